package dev.tandem.appliance.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {

    private static final Instant NOW = Instant.parse("2026-11-22T08:00:00Z");
    private static final PkiSettings SETTINGS = new PkiSettings(
            "edge-eu",
            List.of("tandem-1.example.com", "localhost"),
            List.of("10.0.0.5", "127.0.0.1"),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty());

    @TempDir
    Path dir;

    @Test
    void createsACaAServerCertificateAndAnExportKeyWithPrivateFiles() throws Exception {
        ClusterPki pki = ClusterPki.loadOrCreate(dir, SETTINGS, NOW);
        assertThat(pki.created()).hasSize(3);

        X509Certificate ca = pki.ca().certificate();
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getPublicKey().getAlgorithm()).isEqualTo("EC");
        X509Certificate server = pki.serverCertificate();
        server.verify(ca.getPublicKey());
        assertThat(server.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .containsExactlyInAnyOrder("tandem-1.example.com", "localhost", "10.0.0.5", "127.0.0.1");
        assertThat(server.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");

        for (String key : List.of("ca.key", "server.key", "export-signing.key")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key))))
                    .as(key)
                    .isEqualTo("rw-------");
        }
        Signature ed = Signature.getInstance("Ed25519");
        ed.initSign(pki.exportSigningKey().getPrivate());
        ed.update(new byte[] {1, 2, 3});
        byte[] signature = ed.sign();
        ed.initVerify(pki.exportSigningKey().getPublic());
        ed.update(new byte[] {1, 2, 3});
        assertThat(ed.verify(signature)).isTrue();
    }

    @Test
    void aSecondRunLoadsEverythingAndReplacesNothing() throws Exception {
        ClusterPki first = ClusterPki.loadOrCreate(dir, SETTINGS, NOW);
        String caPem = Files.readString(dir.resolve("ca.pem"));
        ClusterPki second = ClusterPki.loadOrCreate(dir, SETTINGS, NOW.plusSeconds(3600));
        assertThat(second.created()).isEmpty();
        assertThat(Files.readString(dir.resolve("ca.pem"))).isEqualTo(caPem);
        assertThat(second.serverCertificate()).isEqualTo(first.serverCertificate());
        assertThat(second.exportSigningKey().getPublic())
                .isEqualTo(first.exportSigningKey().getPublic());
    }

    @Test
    void halfAPairIsRefusedNotOverwritten() throws Exception {
        ClusterPki.loadOrCreate(dir, SETTINGS, NOW);
        Files.delete(dir.resolve("ca.key"));
        assertThatThrownBy(() -> ClusterPki.loadOrCreate(dir, SETTINGS, NOW))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("ca.key is missing while")
                .hasMessageContaining("ca.pem exists");
        assertThat(dir.resolve("ca.key")).doesNotExist();
    }

    @Test
    void aBroughtCaIsUsedAndAServerCertificateFromAnotherCaIsRefused() throws Exception {
        Path own = Files.createDirectories(dir.resolve("own"));
        ClusterPki ownPki = ClusterPki.loadOrCreate(own, SETTINGS, NOW);
        PkiSettings byo = new PkiSettings(
                "edge-eu",
                SETTINGS.serverNames(),
                SETTINGS.serverAddresses(),
                Optional.of(own.resolve("ca.pem")),
                Optional.of(own.resolve("ca.key")),
                Optional.empty(),
                Optional.empty());
        ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("node"), byo, NOW);
        assertThat(pki.ca().certificate()).isEqualTo(ownPki.ca().certificate());
        pki.serverCertificate().verify(ownPki.ca().certificate().getPublicKey());

        Path other = Files.createDirectories(dir.resolve("other"));
        ClusterPki.loadOrCreate(other, SETTINGS, NOW);
        PkiSettings mismatched = new PkiSettings(
                "edge-eu",
                SETTINGS.serverNames(),
                SETTINGS.serverAddresses(),
                Optional.of(own.resolve("ca.pem")),
                Optional.of(own.resolve("ca.key")),
                Optional.of(other.resolve("server.pem")),
                Optional.of(other.resolve("server.key")));
        assertThatThrownBy(() -> ClusterPki.loadOrCreate(dir.resolve("node2"), mismatched, NOW))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("the server certificate was not issued by the cluster CA");
    }
}
