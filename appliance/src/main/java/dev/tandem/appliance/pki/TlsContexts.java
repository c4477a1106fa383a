package dev.tandem.appliance.pki;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509KeyManager;

/** JSSE key managers and contexts from keys held in memory: nothing is written to a key store file. */
public final class TlsContexts {

    private TlsContexts() {
    }

    /** Presents {@code certificate} (followed by {@code issuers}) with {@code key}. */
    public static X509KeyManager keyManager(PrivateKey key, X509Certificate certificate, X509Certificate... issuers) {
        try {
            X509Certificate[] chain = new X509Certificate[issuers.length + 1];
            chain[0] = certificate;
            System.arraycopy(issuers, 0, chain, 1, issuers.length);
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("tandem", key, password, chain);
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            for (KeyManager manager : factory.getKeyManagers()) {
                if (manager instanceof X509KeyManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK's KeyManagerFactory made no X509KeyManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot load a key pair for TLS: " + e.getMessage(), e);
        }
    }

    /** A TLS context; either manager may be null (no client certificate, or the JDK's default trust). */
    public static SSLContext context(KeyManager keys, TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : new KeyManager[] {keys}, trust == null ? null : new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a TLS context", e);
        }
    }
}
