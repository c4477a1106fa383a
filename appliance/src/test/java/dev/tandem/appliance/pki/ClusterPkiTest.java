package dev.tandem.appliance.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {

    private static final Instant NOW = Instant.parse("2026-11-22T08:00:00Z");
    private static final PkiSettings SETTINGS = new PkiSettings(
            "edge-eu",
            "tandem-1",
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
                .containsExactlyInAnyOrder(
                        "tandem-1.example.com", "localhost", "10.0.0.5", "127.0.0.1", "spiffe://edge-eu/peer/tandem-1");
        assertThat(pki.peerIdentity()).contains(new PeerIdentity("edge-eu", "tandem-1"));
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
                "tandem-1",
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
                "tandem-1",
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

    @Test
    void aStoredServerCertificateWithoutThePeerIdentityIsReissuedForTheSameKey() throws Exception {
        ClusterPki first = ClusterPki.loadOrCreate(dir, SETTINGS, NOW);
        // What a node of an earlier version issued itself: DNS and IP names only.
        X509Certificate earlier = first.ca()
                .issue(
                        first.serverCertificate().getPublicKey(),
                        "tandem-1.example.com",
                        List.of(new GeneralName(GeneralName.dNSName, "tandem-1.example.com")),
                        Duration.ofDays(30),
                        NOW,
                        true,
                        true);
        PemFiles.replacePublic(dir.resolve("server.pem"), earlier);
        String key = Files.readString(dir.resolve("server.key"));

        ClusterPki pki = ClusterPki.loadOrCreate(dir, SETTINGS, NOW.plusSeconds(60));

        assertThat(pki.created())
                .singleElement(STRING)
                .contains("server certificate for [tandem-1.example.com, localhost]")
                .contains("spiffe://edge-eu/peer/tandem-1 (same key)")
                .contains("replacing serial " + DataPlaneIdentity.serial(earlier) + " that carried no peer identity");
        assertThat(pki.peerIdentity()).contains(new PeerIdentity("edge-eu", "tandem-1"));
        assertThat(PeerIdentity.of(pki.serverCertificate())).contains(new PeerIdentity("edge-eu", "tandem-1"));
        assertThat(pki.serverCertificate().getPublicKey()).isEqualTo(earlier.getPublicKey());
        pki.serverCertificate().verify(pki.ca().certificate().getPublicKey());
        assertThat(PemFiles.readCertificate(dir.resolve("server.pem"))).isEqualTo(pki.serverCertificate());
        assertThat(Files.readString(dir.resolve("server.key"))).isEqualTo(key);
        assertThat(pki.ca().certificate()).isEqualTo(first.ca().certificate());

        assertThat(ClusterPki.loadOrCreate(dir, SETTINGS, NOW.plusSeconds(120)).created())
                .isEmpty();
    }

    @Test
    void aRenamedNodeIssuesItselfTheIdentityOfItsNewName() throws Exception {
        ClusterPki.loadOrCreate(dir, SETTINGS, NOW);
        PkiSettings renamed = new PkiSettings(
                "edge-eu",
                "tandem-9",
                SETTINGS.serverNames(),
                SETTINGS.serverAddresses(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());

        ClusterPki pki = ClusterPki.loadOrCreate(dir, renamed, NOW);

        assertThat(pki.created())
                .singleElement(STRING)
                .contains("spiffe://edge-eu/peer/tandem-9")
                .contains("named another peer identity, spiffe://edge-eu/peer/tandem-1");
        assertThat(pki.peerIdentity()).contains(new PeerIdentity("edge-eu", "tandem-9"));
    }

    @Test
    void aBroughtServerCertificateWithoutThePeerIdentityIsLeftAloneAndCannotPeer() throws Exception {
        Path own = Files.createDirectories(dir.resolve("own"));
        ClusterPki ownPki = ClusterPki.loadOrCreate(own, SETTINGS, NOW);
        X509Certificate operators = ownPki.ca()
                .issue(
                        ownPki.serverCertificate().getPublicKey(),
                        "tandem-1.example.com",
                        List.of(new GeneralName(GeneralName.dNSName, "tandem-1.example.com")),
                        Duration.ofDays(30),
                        NOW,
                        true,
                        true);
        Path brought = Files.createDirectories(dir.resolve("brought"));
        PemFiles.writePublic(brought.resolve("server.pem"), operators);
        Files.copy(own.resolve("server.key"), brought.resolve("server.key"));
        String pem = Files.readString(brought.resolve("server.pem"));
        PkiSettings byo = new PkiSettings(
                "edge-eu",
                "tandem-1",
                SETTINGS.serverNames(),
                SETTINGS.serverAddresses(),
                Optional.of(own.resolve("ca.pem")),
                Optional.of(own.resolve("ca.key")),
                Optional.of(brought.resolve("server.pem")),
                Optional.of(brought.resolve("server.key")));

        ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("node"), byo, NOW);

        assertThat(pki.serverCertificate()).isEqualTo(operators);
        assertThat(Files.readString(brought.resolve("server.pem"))).isEqualTo(pem);
        assertThat(pki.created()).singleElement(STRING).startsWith("export-signing key");
        assertThat(pki.peerIdentity()).isEmpty();
        assertThatThrownBy(pki::requirePeerIdentity)
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(
                        "this node cannot peer: " + brought.resolve("server.pem") + " (pki.serverCertFile")
                .hasMessageContaining("carries no URI SAN spiffe://edge-eu/peer/tandem-1");
    }

    @Test
    void aNodeNameThatCannotBeAPeerNameGetsNoPeerIdentity() throws Exception {
        PkiSettings spaced = new PkiSettings(
                "edge-eu",
                "my laptop",
                SETTINGS.serverNames(),
                SETTINGS.serverAddresses(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());

        ClusterPki pki = ClusterPki.loadOrCreate(dir, spaced, NOW);

        assertThat(pki.serverCertificate().getSubjectAlternativeNames()).hasSize(4);
        assertThat(pki.peerIdentity()).isEmpty();
        assertThatThrownBy(pki::requirePeerIdentity)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("node name 'my laptop' (pki.clusterName, node.id) must be letters, digits");
    }
}
