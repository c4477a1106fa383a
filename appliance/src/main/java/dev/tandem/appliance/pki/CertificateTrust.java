package dev.tandem.appliance.pki;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts client certificates issued by the cluster CA, and nothing else. A refused certificate is
 * reported (reason and a description that names the certificate, never its key) before the handshake
 * fails, so an operator sees in the log and the metrics why a data plane cannot connect: the client
 * itself only learns the TLS alert ({@link Alerts} lets the xDS port name the right one).
 */
public final class CertificateTrust extends X509ExtendedTrustManager {

    /** Receives each refusal: a short reason for metrics and a sentence for the log. */
    public interface Refusals {
        void refused(String reason, String detail);
    }

    /**
     * A refused client certificate, with the reason it was refused: a TLS stack that cannot tell
     * the reason from the exception's type (BoringSSL sends internal_error) can name the right alert.
     */
    public static final class Refused extends CertificateException {
        private static final long serialVersionUID = 1L;
        private final String reason;

        Refused(String reason, String detail, Throwable cause) {
            super(detail, cause);
            this.reason = reason;
        }

        /** untrusted-certificate, expired-certificate, certificate-not-yet-valid or no-client-certificate. */
        public String reason() {
            return reason;
        }
    }

    /**
     * The exception a TLS engine is given for a refusal: it decides the alert the client hears. The
     * JDK's engine sends certificate_unknown for any; another engine may need its own type.
     */
    public interface Alerts {
        CertificateException of(Refused refused, SSLEngine engine);
    }

    private final X509ExtendedTrustManager pkix;
    private final X509Certificate ca;
    private final Refusals refusals;
    private final Clock clock;
    private final Alerts alerts;

    public CertificateTrust(X509Certificate ca, Refusals refusals, Clock clock) {
        this(ca, refusals, clock, (refused, engine) -> refused);
    }

    public CertificateTrust(X509Certificate ca, Refusals refusals, Clock clock, Alerts alerts) {
        this.ca = ca;
        this.refusals = refusals;
        this.clock = clock;
        this.alerts = alerts;
        this.pkix = pkixTrusting(ca);
    }

    /** The JDK's PKIX trust manager with {@code ca} as the only anchor. */
    public static X509ExtendedTrustManager pkixTrusting(X509Certificate ca) {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            anchors.setCertificateEntry("tandem-cluster-ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK's PKIX TrustManagerFactory made no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager for the cluster CA", e);
        }
    }

    /** One PKIX check, by socket or by engine. */
    private interface PathCheck {
        void check() throws CertificateException;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            checkClient(chain, () -> pkix.checkClientTrusted(chain, authType, engine));
        } catch (Refused refused) {
            throw alerts.of(refused, engine);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClient(chain, () -> pkix.checkClientTrusted(chain, authType, socket));
    }

    private void checkClient(X509Certificate[] chain, PathCheck path) throws Refused {
        precheck(chain);
        try {
            path.check();
        } catch (CertificateException e) {
            throw refuse(
                    "untrusted-certificate",
                    chain,
                    "does not chain to the cluster CA " + ca.getSubjectX500Principal() + " (" + e.getMessage() + ")",
                    e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClientTrusted(chain, authType, (Socket) null);
    }

    /** The validity window first: "expired at ..." tells an operator more than a failed path. */
    private void precheck(X509Certificate[] chain) throws Refused {
        if (chain == null || chain.length == 0) {
            refusals.refused("no-client-certificate", "a client presented an empty certificate chain");
            throw new Refused("no-client-certificate", "no client certificate", null);
        }
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity(Date.from(clock.instant()));
        } catch (CertificateExpiredException e) {
            throw refuse(
                    "expired-certificate",
                    chain,
                    "expired at " + leaf.getNotAfter().toInstant()
                            + "; renew certificates before they expire (tandem cert renew) or join again",
                    e);
        } catch (CertificateNotYetValidException e) {
            throw refuse(
                    "certificate-not-yet-valid",
                    chain,
                    "is not valid before " + leaf.getNotBefore().toInstant() + " (check the host's clock)",
                    e);
        }
    }

    private Refused refuse(String reason, X509Certificate[] chain, String why, Throwable cause) {
        String detail = describe(chain[0]) + " " + why;
        refusals.refused(reason, detail);
        return new Refused(reason, detail, cause);
    }

    /** Subject, serial and issuer: enough to find the certificate, nothing secret. */
    /** The certificate the other end presented in {@code session}, or null when it presented none. */
    public static X509Certificate presented(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    public static String describe(X509Certificate certificate) {
        return "certificate '" + certificate.getSubjectX500Principal() + "' (serial "
                + DataPlaneIdentity.serial(certificate) + ", issuer '" + certificate.getIssuerX500Principal() + "')";
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }
}
