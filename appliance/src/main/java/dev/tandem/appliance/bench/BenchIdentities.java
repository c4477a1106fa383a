package dev.tandem.appliance.bench;

import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.TlsContexts;
import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * A client certificate for each simulated node, issued with the target's CA (the bench runs beside
 * it): the xDS port binds a stream's node id to its certificate, so nodes cannot share one. All
 * certificates carry one key pair: the key is not the identity, and generating 10,000 EC keys would
 * cost as much again as signing the certificates.
 */
final class BenchIdentities {

    private static final Duration VALIDITY = Duration.ofDays(1);

    private final ChannelCredentials[] credentials;
    private final double issueMillis;

    private BenchIdentities(ChannelCredentials[] credentials, double issueMillis) {
        this.credentials = credentials;
        this.issueMillis = issueMillis;
    }

    /** Issues, on every core, the certificate of each node {@code i} ({@code nodeId(i)} in {@code group(i)}). */
    static BenchIdentities issue(
            Path pkiDir, String cluster, int nodes, IntFunction<String> nodeId, IntFunction<String> group)
            throws IOException {
        CertificateAuthority ca = new CertificateAuthority(
                PemFiles.readCertificate(pkiDir.resolve("ca.pem")), PemFiles.readPrivateKey(pkiDir.resolve("ca.key")));
        KeyPair key = CertificateAuthority.newKeyPair();
        X509TrustManager trust = CertificateTrust.pkixTrusting(ca.certificate());
        Instant now = Instant.now();
        long start = System.nanoTime();
        ChannelCredentials[] credentials = new ChannelCredentials[nodes];
        IntStream.range(0, nodes).parallel().forEach(i -> {
            DataPlaneIdentity identity = new DataPlaneIdentity(cluster, group.apply(i), nodeId.apply(i));
            X509Certificate certificate = ca.issue(
                    key.getPublic(),
                    identity.nodeId(),
                    List.of(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri())),
                    VALIDITY,
                    now,
                    false,
                    true);
            credentials[i] = TlsChannelCredentials.newBuilder()
                    .keyManager(TlsContexts.presenting(key.getPrivate(), certificate))
                    .trustManager(trust)
                    .build();
        });
        return new BenchIdentities(credentials, (System.nanoTime() - start) / 1e6);
    }

    /** The credentials of node {@code i}: its own certificate, trusting the target's CA. */
    ChannelCredentials credentials(int node) {
        return credentials[node];
    }

    /** How long issuing every certificate took. */
    double issueMillis() {
        return issueMillis;
    }
}
