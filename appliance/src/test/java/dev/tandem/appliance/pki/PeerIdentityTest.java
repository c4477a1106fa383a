package dev.tandem.appliance.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;

class PeerIdentityTest {

    private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");
    private static final CertificateAuthority CA = CertificateAuthority.create("edge", Duration.ofDays(30), NOW);

    @Test
    void aPeerCertificateCarriesItsIdentityBesideItsHostNames() {
        PeerIdentity peer = new PeerIdentity("edge", "tandem-2");
        X509Certificate certificate = issued(
                new GeneralName(GeneralName.dNSName, "tandem-2.example.com"),
                new GeneralName(GeneralName.iPAddress, "10.0.0.6"),
                peer.subjectAltName());

        assertThat(peer.uri()).isEqualTo("spiffe://edge/peer/tandem-2");
        assertThat(PeerIdentity.of(certificate)).contains(peer);
        assertThat(PeerIdentity.of(certificate, "edge")).contains(peer);
        assertThat(PeerIdentity.of(certificate, "other")).isEmpty();
    }

    @Test
    void dataPlaneCertificatesAndOtherUrisAreNoPeers() {
        assertThat(PeerIdentity.of(issued(uri("spiffe://edge/group/g/node/n")))).isEmpty();
        assertThat(PeerIdentity.of(issued(uri("spiffe://edge/peer/tandem-2/extra"))))
                .isEmpty();
        assertThat(PeerIdentity.of(issued(uri("spiffe://edge/peer/-dash")))).isEmpty();
        assertThat(PeerIdentity.of(issued(uri("https://edge/peer/tandem-2")))).isEmpty();
        assertThat(PeerIdentity.of(issued(new GeneralName(GeneralName.dNSName, "tandem-2"))))
                .isEmpty();
        assertThat(PeerIdentity.of(issued())).isEmpty();
    }

    @Test
    void namesThatCannotFormAUriAreRefused() {
        assertThatThrownBy(() -> new PeerIdentity("edge", "my laptop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'my laptop'");
        assertThatThrownBy(() -> new PeerIdentity("edge/x", "tandem-1")).isInstanceOf(IllegalArgumentException.class);
    }

    private static GeneralName uri(String uri) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
    }

    private static X509Certificate issued(GeneralName... names) {
        return CA.issue(
                CertificateAuthority.newKeyPair().getPublic(),
                "holder",
                List.of(names),
                Duration.ofDays(1),
                NOW,
                true,
                true);
    }
}
