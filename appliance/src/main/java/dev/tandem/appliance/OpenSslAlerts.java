package dev.tandem.appliance;

import dev.tandem.appliance.pki.CertificateTrust;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCertificateException;
import io.grpc.netty.shaded.io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.grpc.netty.shaded.io.netty.internal.tcnative.CertificateVerifier;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLEngine;

/**
 * The TLS alerts of the xDS port, on grpc-java's Netty with BoringSSL: BoringSSL turns an exception
 * of a trust manager whose type it does not know into internal_error (80), which tells a data plane
 * nothing. A refusal is handed to it as the OpenSSL verify error that names the alert a client's own
 * log should show: another CA is {@code unknown_ca} (48), an expired or not yet valid certificate
 * {@code certificate_expired} (45), anything else {@code bad_certificate} (42). On the JDK's TLS
 * engine the refusal passes unchanged.
 */
final class OpenSslAlerts implements CertificateTrust.Alerts {

    @Override
    public CertificateException of(CertificateTrust.Refused refused, SSLEngine engine) {
        if (!(engine instanceof ReferenceCountedOpenSslEngine)) {
            return refused;
        }
        return new OpenSslCertificateException(refused.getMessage(), refused, verifyError(refused.reason()));
    }

    private static int verifyError(String reason) {
        return switch (reason) {
            case "untrusted-certificate" -> CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            case "expired-certificate" -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            case "certificate-not-yet-valid" -> CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
            default -> CertificateVerifier.X509_V_ERR_CERT_REJECTED;
        };
    }
}
