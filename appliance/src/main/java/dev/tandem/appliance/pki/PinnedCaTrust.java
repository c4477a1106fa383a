package dev.tandem.appliance.pki;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust on first contact, without trusting blindly: a host that does not have the cluster CA yet
 * (a data plane joining) is given its SHA-256 fingerprint, as {@code tandem token create} prints it,
 * and trusts the server only if its chain holds a CA with that fingerprint and chains to it.
 */
public final class PinnedCaTrust extends X509ExtendedTrustManager {

    private final String fingerprint;
    private volatile X509Certificate pinned;

    public PinnedCaTrust(String fingerprint) {
        this.fingerprint = normalize(fingerprint);
    }

    /** The CA the server presented and the pin matched, once a handshake succeeded. */
    public X509Certificate pinnedCa() {
        return pinned;
    }

    private static String normalize(String fingerprint) {
        return fingerprint
                .trim()
                .toUpperCase(Locale.ROOT)
                .replaceFirst("^SHA256:", "")
                .replace(":", "");
    }

    private X509ExtendedTrustManager delegate(X509Certificate[] chain) throws CertificateException {
        for (X509Certificate certificate : chain) {
            if (normalize(ClusterPki.fingerprint(certificate)).equals(fingerprint)
                    && certificate.getBasicConstraints() >= 0) {
                pinned = certificate;
                return CertificateTrust.pkixTrusting(certificate);
            }
        }
        throw new CertificateException("the server presented no CA with fingerprint SHA256:" + fingerprint
                + " (its chain: "
                + Arrays.stream(chain)
                        .map(c -> c.getSubjectX500Principal() + " " + ClusterPki.fingerprint(c))
                        .toList() + ")");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate(chain).checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate(chain).checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate(chain).checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a pinned CA only checks servers");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a pinned CA only checks servers");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a pinned CA only checks servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
