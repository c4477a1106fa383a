package dev.tandem.appliance.pki;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/** JSSE key managers and contexts from keys held in memory: nothing is written to a key store file. */
public final class TlsContexts {

    private static final String ALIAS = "tandem";

    private TlsContexts() {}

    /** Presents {@code certificate} (followed by {@code issuers}) with {@code key}. */
    public static X509KeyManager keyManager(PrivateKey key, X509Certificate certificate, X509Certificate... issuers) {
        try {
            X509Certificate[] chain = new X509Certificate[issuers.length + 1];
            chain[0] = certificate;
            System.arraycopy(issuers, 0, chain, 1, issuers.length);
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain);
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            for (KeyManager manager : factory.getKeyManagers()) {
                if (manager instanceof X509KeyManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK's KeyManagerFactory made no X509KeyManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot load a key pair for TLS: " + e.getMessage(), e);
        }
    }

    /**
     * A client's key manager that presents {@code certificate} with {@code key} to every server,
     * whoever issued it (as Envoy does: the JDK's own key manager withholds a certificate the server's
     * CA list does not name), and needs no key store: a PKCS12 store encrypts the key on the way in,
     * which costs milliseconds a key, too much for thousands of simulated data planes.
     */
    public static X509ExtendedKeyManager presenting(PrivateKey key, X509Certificate certificate) {
        X509Certificate[] chain = {certificate};
        return new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {ALIAS};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return ALIAS;
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return ALIAS;
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return ALIAS.equals(alias) ? chain.clone() : null;
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return ALIAS.equals(alias) ? key : null;
            }
        };
    }

    /** A TLS context; either manager may be null (no client certificate, or the JDK's default trust). */
    public static SSLContext context(KeyManager keys, TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(
                    keys == null ? null : new KeyManager[] {keys},
                    trust == null ? null : new TrustManager[] {trust},
                    null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a TLS context", e);
        }
    }
}
