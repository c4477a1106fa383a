package dev.tandem.appliance.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;

/** Each refusal reaches the log by reason, and the TLS engine as a {@link CertificateTrust.Refused} of that reason. */
class CertificateTrustTest {

    // The JDK's PKIX check reads the real clock: the validity windows are around now.
    private static final Instant NOW = Instant.now();
    private static final CertificateAuthority CA =
            CertificateAuthority.create("test", Duration.ofDays(365), NOW.minus(Duration.ofDays(1)));
    private static final KeyPair KEY = CertificateAuthority.newKeyPair();

    private final List<String> logged = new ArrayList<>();
    private final List<String> handedToTls = new ArrayList<>();
    private final CertificateTrust trust = new CertificateTrust(
            CA.certificate(),
            (reason, detail) -> logged.add(reason),
            Clock.fixed(NOW, ZoneOffset.UTC),
            (refused, engine) -> {
                handedToTls.add(refused.reason());
                return new CertificateException("as the engine wants it: " + refused.reason());
            });

    @Test
    void anotherCaIsUntrusted() {
        CertificateAuthority stranger =
                CertificateAuthority.create("stranger", Duration.ofDays(30), NOW.minus(Duration.ofDays(1)));
        assertRefused(leaf(stranger, NOW.minus(Duration.ofHours(1)), Duration.ofDays(1)), "untrusted-certificate");
    }

    @Test
    void expiredAndNotYetValidAreNamed() {
        assertRefused(leaf(CA, NOW.minus(Duration.ofDays(3)), Duration.ofDays(1)), "expired-certificate");
        assertRefused(leaf(CA, NOW.plus(Duration.ofDays(3)), Duration.ofDays(1)), "certificate-not-yet-valid");
    }

    @Test
    void aValidCertificateIsTrusted() throws Exception {
        trust.checkClientTrusted(
                new X509Certificate[] {leaf(CA, NOW.minus(Duration.ofHours(1)), Duration.ofDays(1)), CA.certificate()},
                "EC",
                (SSLEngine) null);
        assertThat(logged).isEmpty();
        assertThat(handedToTls).isEmpty();
    }

    private void assertRefused(X509Certificate certificate, String reason) {
        logged.clear();
        handedToTls.clear();
        assertThatThrownBy(() -> trust.checkClientTrusted(new X509Certificate[] {certificate}, "EC", (SSLEngine) null))
                .hasMessage("as the engine wants it: " + reason);
        assertThat(logged).containsExactly(reason);
        assertThat(handedToTls).containsExactly(reason);
    }

    private static X509Certificate leaf(CertificateAuthority ca, Instant from, Duration validity) {
        return ca.issue(
                KEY.getPublic(),
                "edge-1",
                List.of(new GeneralName(
                        GeneralName.uniformResourceIdentifier, "spiffe://tandem/group/edge/node/edge-1")),
                validity,
                from,
                false,
                true);
    }
}
