package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.cli.TandemCommand;
import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateRequests;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.RawAdsClient;
import dev.tandem.appliance.testing.TestPki;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data plane joins with a token and a CSR; a token works once (or N times, each for another node
 * id) and only until it expires.
 */
class JoinIT {

    @RegisterExtension
    final ApplianceExtension node =
            new ApplianceExtension("join-it").applying(dev.tandem.appliance.testing.Gateways.MESH);

    @TempDir
    Path dir;

    @Test
    void aTokenBuysOneCertificateForItsGroupOnce() throws Exception {
        AdminHttp admin = node.admin();
        Reply created = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"1h\"}");
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().path("token").asText();

        KeyPair key = CertificateAuthority.newKeyPair();
        Reply joined = join(admin.as(null), token, csr("envoy-7", key));
        assertThat(joined.status()).as(joined.body()).isEqualTo(201);
        assertThat(joined.json().path("identity").asText()).isEqualTo("spiffe://tandem/group/edge/node/envoy-7");
        X509Certificate cert = certificate(joined.json().path("certificate").asText());
        X509Certificate ca = certificate(joined.json().path("caBundle").asText());
        cert.verify(ca.getPublicKey());
        assertThat(cert.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(cert.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .containsExactly("spiffe://tandem/group/edge/node/envoy-7");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(Duration.between(
                                cert.getNotBefore().toInstant(),
                                cert.getNotAfter().toInstant())
                        .toDays())
                .isEqualTo(30);

        Reply reused = join(admin.as(null), token, csr("envoy-8", CertificateAuthority.newKeyPair()));
        assertThat(reused.status()).isEqualTo(401);
        assertThat(reused.json().path("details").get(0).asText()).startsWith("the join token was already used at");
        assertThat(admin.get("/metrics").body()).contains("tandem_join_refusals_total{reason=\"used-token\"} 1.0");

        JsonNode audit = admin.get("/api/v1/audit").json().path("entries");
        assertThat(audit.get(0).path("action").asText()).isEqualTo("certificate-issue");
        assertThat(audit.toString()).doesNotContain(token);
    }

    /** An autoscaled fleet of identical data planes shares one token of N uses: each use for another node id. */
    @Test
    void aTokenOfNUsesBuysNCertificatesForDifferentNodeIds() throws Exception {
        AdminHttp admin = node.admin();
        StringWriter out = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .execute(
                        "token",
                        "create",
                        "--node-group",
                        "mesh",
                        "--uses",
                        "3",
                        "--ca-file",
                        TestPki.caFile().toString(),
                        "--server",
                        admin.base(),
                        "--token-file",
                        node.tokenFile().toString());
        assertThat(exit).isZero();
        String token = out.toString().trim();

        Reply first = join(admin.as(null), token, csr("pod-1", CertificateAuthority.newKeyPair()));
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.json().path("tokenUse").asInt()).isEqualTo(1);
        assertThat(first.json().path("tokenUses").asInt()).isEqualTo(3);
        // The same node id again is refused and not counted: two hosts must not share an identity.
        Reply again = join(admin.as(null), token, csr("pod-1", CertificateAuthority.newKeyPair()));
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.json().path("details").get(0).asText())
                .isEqualTo("node id 'pod-1' already joined with this token "
                        + "(certificate serial " + first.json().path("serial").asText()
                        + "); each use of a token is for another node id: "
                        + "give this data plane its own --node-id");
        assertThat(join(admin.as(null), token, csr("pod-2", CertificateAuthority.newKeyPair()))
                        .json()
                        .path("identity")
                        .asText())
                .isEqualTo("spiffe://tandem/group/mesh/node/pod-2");
        assertThat(join(admin.as(null), token, csr("pod-3", CertificateAuthority.newKeyPair()))
                        .json()
                        .path("tokenUse")
                        .asInt())
                .isEqualTo(3);
        Reply spent = join(admin.as(null), token, csr("pod-4", CertificateAuthority.newKeyPair()));
        assertThat(spent.status()).isEqualTo(401);
        assertThat(spent.json().path("details").get(0).asText())
                .startsWith("the join token was used all 3 times (last at ");

        assertThat(admin.get("/api/v1/certificates").json().path("certificates"))
                .extracting(c -> c.path("identity").asText())
                .containsExactlyInAnyOrder(
                        "spiffe://tandem/group/mesh/node/pod-1",
                        "spiffe://tandem/group/mesh/node/pod-2",
                        "spiffe://tandem/group/mesh/node/pod-3");
        assertThat(admin.get("/metrics").body())
                .contains("tandem_join_refusals_total{reason=\"node-id-taken\"} 1.0")
                .contains("tandem_join_refusals_total{reason=\"used-token\"} 1.0");
        assertThat(admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"mesh\", \"uses\": 0}")
                        .json()
                        .path("details")
                        .get(0)
                        .asText())
                .isEqualTo("uses must be a whole number from 1 to 10000 (got '0')");

        // Another token of the group cannot take pod-1's identity while its certificate is valid; once revoked, it can.
        String other = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"mesh\"}")
                .json()
                .path("token")
                .asText();
        String serial = first.json().path("serial").asText();
        Reply taken = join(admin.as(null), other, csr("pod-1", CertificateAuthority.newKeyPair()));
        assertThat(taken.status()).isEqualTo(401);
        assertThat(taken.json().path("details").get(0).asText())
                .isEqualTo("node id 'pod-1' of node group 'mesh' has a valid "
                        + "certificate (serial " + serial
                        + "); give this data plane its own --node-id, or revoke that certificate first "
                        + "(tandem cert revoke " + serial + ")");
        assertThat(admin.post("/api/v1/certificates/" + serial + "/revoke", "{\"reason\": \"host replaced\"}")
                        .status())
                .isEqualTo(200);
        assertThat(join(admin.as(null), other, csr("pod-1", CertificateAuthority.newKeyPair()))
                        .status())
                .isEqualTo(201);
    }

    /** Data planes racing with one token get no more certificates than it has uses. */
    @Test
    void racingJoinsNeverExceedTheUses() throws Exception {
        AdminHttp admin = node.admin();
        String token = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"uses\": 3}")
                .json()
                .path("token")
                .asText();
        List<Callable<Integer>> joins = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String csr = csr("racer-" + i, CertificateAuthority.newKeyPair());
            joins.add(() -> join(admin.as(null), token, csr).status());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> status : pool.invokeAll(joins)) {
                statuses.add(status.get());
            }
            assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
            assertThat(statuses).filteredOn(s -> s == 401).hasSize(5);
        } finally {
            pool.shutdownNow();
        }
        assertThat(admin.get("/api/v1/certificates").json().path("certificates"))
                .hasSize(3);
    }

    @Test
    void expiredForgedAndMalformedAreRefusedWithReasons() throws Exception {
        AdminHttp admin = node.admin();
        String shortLived = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"1s\"}")
                .json()
                .path("token")
                .asText();
        String csr = csr("envoy-9", CertificateAuthority.newKeyPair());
        await().pollDelay(Duration.ofMillis(1100))
                .atMost(Duration.ofSeconds(10))
                .until(() -> join(admin.as(null), shortLived, csr).status() == 401);
        assertThat(join(admin.as(null), shortLived, csr)
                        .json()
                        .path("details")
                        .get(0)
                        .asText())
                .startsWith("the join token expired at");
        assertThat(join(admin.as(null), "tjn_forged", csr)
                        .json()
                        .path("details")
                        .get(0)
                        .asText())
                .isEqualTo("the join token is not one this cluster issued");
        Reply badCsr = join(
                admin.as(null),
                shortLived,
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
        assertThat(badCsr.status()).isEqualTo(400);
        Reply noCn = join(admin.as(null), shortLived, csr("", CertificateAuthority.newKeyPair()));
        assertThat(noCn.status()).isEqualTo(400);
        assertThat(admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"30d\"}")
                        .status())
                .isEqualTo(400);
        // Every refused join is counted by reason; nothing was issued.
        String metrics = admin.get("/metrics").body();
        assertThat(metrics)
                .contains("tandem_join_refusals_total{reason=\"expired-token\"}")
                .contains("tandem_join_refusals_total{reason=\"unknown-token\"} 1.0")
                .contains("tandem_join_refusals_total{reason=\"invalid-csr\"} 2.0");
        assertThat(admin.get("/api/v1/certificates").json().path("certificates"))
                .isEmpty();
        assertThat(admin.as(null)
                        .post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\"}")
                        .status())
                .isEqualTo(401);
    }

    @Test
    void theCliCreatesJoinTokens() throws Exception {
        StringWriter out = new StringWriter();
        int exit = dev.tandem.appliance.cli.TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .execute(
                        "token",
                        "create",
                        "--node-group",
                        "mesh",
                        "--ttl",
                        "10m",
                        "--ca-file",
                        dev.tandem.appliance.testing.TestPki.caFile().toString(),
                        "--server",
                        node.admin().base(),
                        "--token-file",
                        node.tokenFile().toString());
        assertThat(exit).isZero();
        Reply joined =
                join(node.admin().as(null), out.toString().trim(), csr("grpc-1", CertificateAuthority.newKeyPair()));
        assertThat(joined.json().path("identity").asText()).isEqualTo("spiffe://tandem/group/mesh/node/grpc-1");
    }

    /**
     * The whole life of a data-plane certificate through the CLI: join with a token and the CA's
     * fingerprint, be served, renew before expiry, be listed, be revoked; the revoked certificate's
     * open stream ends at once and a new one is refused.
     */
    @Test
    void joinRenewAndRevokeWithTheCli() throws Exception {
        AdminHttp admin = node.admin();
        Reply token = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"mesh\", \"ttl\": \"10m\"}");
        Path tls = dir.resolve("tls");
        String[] joined = cliWithErr(
                "bootstrap",
                "--join",
                token.json().path("token").asText(),
                "--server",
                admin.base(),
                "--ca-fingerprint",
                token.json().path("caFingerprint").asText(),
                "--tls-dir",
                tls.toString(),
                "--node-id",
                "grpc-7",
                "--format",
                "grpc");
        assertThat(joined[0]).as(joined[2]).isEqualTo("0");
        assertThat(joined[1])
                .contains("\"cluster\": \"mesh\"")
                .contains("\"type\": \"tls\"")
                .contains("\"server_uri\": \"127.0.0.1:" + node.xdsPort() + "\"")
                .contains(tls.resolve("client.pem").toString());
        assertThat(joined[2]).contains("joined as spiffe://tandem/group/mesh/node/grpc-7");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("client.key"))))
                .isEqualTo("rw-------");
        X509Certificate first = certificate(Files.readString(tls.resolve("client.pem")));

        // A wrong fingerprint: nothing is sent, nothing written.
        String[] pinnedWrong = cliWithErr(
                "bootstrap",
                "--join",
                "tjn_x",
                "--server",
                admin.base(),
                "--ca-fingerprint",
                "SHA256:00:11",
                "--tls-dir",
                dir.resolve("never").toString(),
                "--node-id",
                "grpc-8");
        assertThat(pinnedWrong[0]).isEqualTo("3");
        assertThat(pinnedWrong[2]).contains("no CA with fingerprint");
        assertThat(dir.resolve("never")).doesNotExist();

        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "grpc-7", "mesh", fromFiles(tls))) {
            assertThat(client.nextSotwAfter(listeners(client)).getResourcesCount())
                    .isEqualTo(1);
        }

        String[] renewed = cliWithErr("cert", "renew", "--tls-dir", tls.toString(), "--server", admin.base());
        assertThat(renewed[0]).as(renewed[2]).isEqualTo("0");
        X509Certificate second = certificate(Files.readString(tls.resolve("client.pem")));
        assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
        assertThat(second.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .containsExactly("spiffe://tandem/group/mesh/node/grpc-7");
        assertThat(renewed[1])
                .contains("renewed spiffe://tandem/group/mesh/node/grpc-7")
                .contains(first.getSerialNumber().toString(16));
        // Without a client certificate there is nothing to renew.
        assertThat(admin.as(null).post("/api/v1/certificates/renew", "{}").status())
                .isEqualTo(401);

        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "grpc-7", "mesh", fromFiles(tls))) {
            assertThat(client.nextSotwAfter(listeners(client)).getResourcesCount())
                    .isEqualTo(1);
            String serial = second.getSerialNumber().toString(16);
            assertThat((withServer("cert", "list"))[1])
                    .containsPattern(serial + " +valid .*spiffe://tandem/group/mesh/node/grpc-7");
            String viewer = admin.post("/api/v1/admin-tokens", "{\"name\": \"v\", \"role\": \"viewer\"}")
                    .json()
                    .path("token")
                    .asText();
            assertThat(admin.as(viewer)
                            .post("/api/v1/certificates/" + serial + "/revoke", "{}")
                            .status())
                    .isEqualTo(403);

            String[] revoked = (withServer("cert", "revoke", serial, "--reason", "host decommissioned"));
            assertThat(revoked[0]).as(revoked[2]).isEqualTo("0");
            // The open stream ends now, not at the next sweep or reconnect.
            Status ended = client.awaitFailure(Duration.ofSeconds(5), true);
            assertThat(ended.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(ended.getDescription()).contains("was revoked");
            // The server let go of the stream too: the node is no longer listed as connected.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> admin.dataPlane("grpc-7").isMissingNode());
        }
        try (RawAdsClient again = new RawAdsClient(node.xdsPort(), "grpc-7", "mesh", fromFiles(tls))) {
            assertThat(again.refusal(listeners(again), Duration.ofSeconds(10)).getDescription())
                    .endsWith("is revoked");
        }
        assertThat((withServer("cert", "list"))[1])
                .containsPattern(second.getSerialNumber().toString(16) + " +revoked");
        assertThat((withServer("cert", "revoke", "abc123"))[2]).contains("no certificate with serial abc123");
        assertThat(cliWithErr("cert", "renew", "--tls-dir", tls.toString(), "--server", admin.base())[2])
                .contains("renewal refused")
                .contains("is revoked");

        JsonNode audit = admin.get("/api/v1/audit").json().path("entries");
        assertThat(audit)
                .extracting(e -> e.path("action").asText())
                .contains("certificate-issue", "certificate-renew", "certificate-revoke");
        assertThat(audit.toString()).contains("host decommissioned");
    }

    private String[] withServer(String... args) {
        Cli.Result result = Cli.against(node.appliance(), args);
        return new String[] {String.valueOf(result.exit()), result.out(), result.err()};
    }

    /** Exit code, stdout and stderr of the CLI run in this JVM. */
    private static String[] cliWithErr(String... args) {
        Cli.Result result = Cli.run(args);
        return new String[] {String.valueOf(result.exit()), result.out(), result.err()};
    }

    private static ChannelCredentials fromFiles(Path tls) {
        return TestPki.credentials(tls);
    }

    private static DiscoveryRequest listeners(RawAdsClient client) {
        return DiscoveryRequest.newBuilder()
                .setNode(client.node())
                .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                .addResourceNames("greeter")
                .build();
    }

    private static Reply join(AdminHttp http, String token, String csr) throws Exception {
        return http.post("/api/v1/join", new ObjectMapper().writeValueAsString(Map.of("token", token, "csr", csr)));
    }

    private static String csr(String nodeId, KeyPair key) throws Exception {
        if (!nodeId.isEmpty()) {
            return CertificateRequests.pem(nodeId, key);
        }
        return PemFiles.pem(new JcaPKCS10CertificationRequestBuilder(new X500Name("O=nobody"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
