package dev.tandem.appliance.testing;

import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.PkiSettings;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.xds.bootstrap.XdsClientTls;
import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * One cluster CA for every appliance a test JVM starts (brought as the operator's own CA, so the
 * grpc-java xDS client, whose bootstrap is read once per JVM, trusts all of them), and data-plane
 * client certificates issued by it, or by a stranger CA for tests of refusal.
 */
public final class TestPki {

    public static final String CLUSTER = "tandem";
    private static final Path DIR;
    private static final CertificateAuthority CA;
    private static final CertificateAuthority STRANGER;

    static {
        try {
            DIR = Files.createTempDirectory("tandem-test-pki");
            CA = CertificateAuthority.create("test", Duration.ofDays(365), Instant.now());
            STRANGER = CertificateAuthority.create("stranger", Duration.ofDays(30), Instant.now());
            PemFiles.writePublic(DIR.resolve("ca.pem"), CA.certificate());
            PemFiles.writePrivate(DIR.resolve("ca.key"), CA.key());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(TestPki::deleteFiles));
    }

    /** A client certificate and its key, in memory and as PEM files. */
    public record ClientCertificate(X509Certificate certificate, PrivateKey key, XdsClientTls files) {

        public String serial() {
            return DataPlaneIdentity.serial(certificate);
        }

        /** grpc-java channel credentials presenting this certificate and trusting the test CA. */
        public ChannelCredentials credentials() {
            return TestPki.credentials(certificate, key);
        }
    }

    private TestPki() {}

    public static Path caFile() {
        return DIR.resolve("ca.pem");
    }

    public static X509Certificate ca() {
        return CA.certificate();
    }

    /** The appliance's PKI settings: this CA, brought by the operator; the server certificate is created per node. */
    public static PkiSettings settings(String nodeId) {
        return new PkiSettings(
                CLUSTER,
                nodeId,
                List.of(nodeId, "localhost"),
                List.of("127.0.0.1"),
                Optional.of(caFile()),
                Optional.of(DIR.resolve("ca.key")),
                Optional.empty(),
                Optional.empty());
    }

    /**
     * A valid certificate for {@code nodeId} in {@code nodeGroup}, with a key of its own: the xDS port
     * serves a stream only the node id its certificate names, so every test client gets its own.
     */
    public static ClientCertificate dataPlane(String nodeId, String nodeGroup) {
        return issue(
                CA,
                "spiffe://" + CLUSTER + "/group/" + nodeGroup + "/node/" + nodeId,
                nodeId,
                Instant.now(),
                Duration.ofDays(1));
    }

    /** One issued by a CA the appliance does not know. */
    public static ClientCertificate fromStranger(String nodeId, String nodeGroup) {
        return issue(
                STRANGER,
                "spiffe://" + CLUSTER + "/group/" + nodeGroup + "/node/" + nodeId,
                nodeId,
                Instant.now(),
                Duration.ofDays(1));
    }

    /** Issued by the right CA, valid from {@code from} for {@code validity} (in the past: expired). */
    public static ClientCertificate issued(String uri, String nodeId, Instant from, Duration validity) {
        return issue(CA, uri, nodeId, from, validity);
    }

    /** A peer's certificate in the test cluster: {@code spiffe://tandem/peer/<name>}. */
    public static ClientCertificate peer(String name) {
        return serverAndClient("spiffe://" + CLUSTER + "/peer/" + name, name);
    }

    /**
     * A certificate for both ends of TLS, as a node's own is (its server certificate on every port and
     * its client certificate towards peers), carrying {@code uri} and the DNS name
     * {@code <name>.peers.test} only: not the address a test dials, so a check that passes does not
     * rest on the host name.
     */
    public static ClientCertificate serverAndClient(String uri, String name) {
        return issue(
                CA,
                List.of(
                        new GeneralName(GeneralName.dNSName, name + ".peers.test"),
                        new GeneralName(GeneralName.uniformResourceIdentifier, uri)),
                name,
                Instant.now(),
                Duration.ofDays(1),
                true);
    }

    private static ClientCertificate issue(
            CertificateAuthority ca, String uri, String nodeId, Instant from, Duration validity) {
        return issue(
                ca,
                List.of(new GeneralName(GeneralName.uniformResourceIdentifier, uri)),
                nodeId,
                from,
                validity,
                false);
    }

    private static ClientCertificate issue(
            CertificateAuthority ca,
            List<GeneralName> names,
            String nodeId,
            Instant from,
            Duration validity,
            boolean server) {
        KeyPair pair = CertificateAuthority.newKeyPair();
        X509Certificate certificate = ca.issue(pair.getPublic(), nodeId, names, validity, from, server, true);
        try {
            Path dir = Files.createTempDirectory(DIR, nodeId);
            XdsClientTls files = XdsClientTls.in(dir);
            Files.copy(caFile(), Path.of(files.caFile()));
            PemFiles.writePublic(Path.of(files.certificateFile()), certificate);
            PemFiles.writePrivate(Path.of(files.privateKeyFile()), pair.getPrivate());
            return new ClientCertificate(certificate, pair.getPrivate(), files);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * grpc-java channel credentials presenting {@code certificate} and trusting the test CA. The
     * certificate is presented whoever issued it, as Envoy does: the JDK's own key manager would
     * withhold one the server's CA list does not name.
     */
    public static ChannelCredentials credentials(X509Certificate certificate, PrivateKey key) {
        return TlsChannelCredentials.newBuilder()
                .trustManager(CertificateTrust.pkixTrusting(CA.certificate()))
                .keyManager(TlsContexts.presenting(key, certificate))
                .build();
    }

    /**
     * A JDK TLS client (no gRPC) presenting {@code client}'s certificate whoever issued it and
     * trusting the test CA: for tests of what the TLS handshake itself says.
     */
    public static SSLContext clientTls(ClientCertificate client) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(
                    new KeyManager[] {TlsContexts.presenting(client.key(), client.certificate())},
                    new TrustManager[] {CertificateTrust.pkixTrusting(CA.certificate())},
                    null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * grpc-java channel credentials from a data plane's TLS folder as {@code tandem bootstrap --join}
     * writes it: {@code ca.pem}, {@code client.pem}, {@code client.key}.
     */
    public static ChannelCredentials credentials(Path tlsDir) {
        try {
            return TlsChannelCredentials.newBuilder()
                    .trustManager(tlsDir.resolve("ca.pem").toFile())
                    .keyManager(
                            tlsDir.resolve("client.pem").toFile(),
                            tlsDir.resolve("client.key").toFile())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** TLS without a client certificate. */
    public static ChannelCredentials withoutCertificate() {
        return TlsChannelCredentials.newBuilder()
                .trustManager(CertificateTrust.pkixTrusting(CA.certificate()))
                .build();
    }

    /** What an operator's HTTPS client uses: trusts the test CA (or {@code caFile}), host names verified. */
    public static SSLContext adminTls(Path caFile) {
        try {
            return TlsContexts.context(null, CertificateTrust.pkixTrusting(PemFiles.readCertificate(caFile)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteFiles() {
        try (var files = Files.walk(DIR)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
