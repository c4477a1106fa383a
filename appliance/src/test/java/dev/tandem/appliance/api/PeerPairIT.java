package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.Appliance;
import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateRequests;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.Gateways;
import dev.tandem.appliance.testing.PeerMembers;
import dev.tandem.appliance.testing.RawAdsClient;
import dev.tandem.appliance.testing.TestPki;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real appliances in one JVM, each with its own data directory and PKI, joined as an operator
 * joins them ({@code tandem peer token create}, {@code tandem peer join}), linked over the mTLS peer
 * link on 127.0.0.1, no lease store. Every write on the active is on the standby when it is answered
 * (sync), both serve the same versions, a write sent to the standby is redirected (421, and the CLI
 * follows it), a peer token works once, and switch-active moves the writer with nothing lost. The
 * answers of the peer endpoints that need two peers are checked against {@code openapi.yaml} here
 * ({@link #ANSWERS}); {@link OpenApiResponsesIT} checks the rest on a standalone node.
 */
class PeerPairIT {

    /** The documented answers only a pair gives: {@link OpenApiResponsesIT} leaves them to this test. */
    static final Set<String> ANSWERS = Set.of(
            "POST /api/v1/peers/join 201 application/json",
            "POST /api/v1/peers/join 401 application/json",
            "POST /api/v1/peers/join 421 application/json",
            "POST /api/v1/peers/switch-active 200 application/json",
            "POST /api/v1/peers/switch-active 421 application/json",
            "POST /api/v1/peers/tokens 201 application/json",
            "POST /api/v1/peers/tokens 421 application/json");

    private static final OpenApiDocument DOCUMENT = OpenApiDocument.load();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final SoftAssertions soft = new SoftAssertions();
    private final DocumentedAnswers answers = new DocumentedAnswers(DOCUMENT, soft);

    @Test
    void aJoinedStandbyReplicatesServesTheSameAndTakesOverBySwitchActive() throws Exception {
        PeerMembers members = PeerMembers.of(2);
        Path one = members.write(dir.resolve("tandem-1.yaml"), 1, "data-1", "");
        Path two = members.write(dir.resolve("tandem-2.yaml"), 2, "data-2", "");
        try (Appliance first = Appliance.start(ApplianceConfig.load(one))) {
            Path data1 = dir.resolve("data-1");
            AdminHttp admin1 = AdminHttp.withTokenFrom(first.adminPort(), data1);

            Reply created = check(
                    "POST", "/api/v1/peers/tokens", admin1.post("/api/v1/peers/tokens", "{\"ttl\": \"10m\"}"), 201);
            String token = created.json().path("token").asText();
            Cli.Result joined = PeerMembers.join(two, admin1.base(), created.json());
            assertThat(joined.exit()).as(joined.err()).isZero();
            assertThat(joined.err()).contains("joined cluster 'tandem' as 'tandem-2'");
            assertThat(Files.readString(dir.resolve("data-2/pki/ca.pem")))
                    .isEqualTo(Files.readString(data1.resolve("pki/ca.pem")));
            // Used once, it is used: a second join with it is refused, and nothing is handed out.
            Reply again = check(
                    "POST",
                    "/api/v1/peers/join",
                    admin1.as(null).post("/api/v1/peers/join", json(Map.of("token", token, "name", "tandem-2"))),
                    401);
            assertThat(again.json().path("reason").asText()).isEqualTo("used-token");
            assertThat(again.body()).doesNotContain("PRIVATE KEY");
            Reply fresh = check("POST", "/api/v1/peers/tokens", admin1.post("/api/v1/peers/tokens", "{}"), 201);
            Reply handedOut = check(
                    "POST",
                    "/api/v1/peers/join",
                    admin1.as(null)
                            .post(
                                    "/api/v1/peers/join",
                                    json(Map.of(
                                            "token", fresh.json().path("token").asText(), "name", "tandem-2"))),
                    201);
            assertThat(handedOut.json().path("caKey").asText()).contains("PRIVATE KEY");

            try (Appliance second = Appliance.start(ApplianceConfig.load(two))) {
                // Admin tokens are replicated: tandem-1's initial admin token works on tandem-2.
                AdminHttp admin2 = AdminHttp.withTokenFrom(second.adminPort(), data1);
                PeerMembers.awaitSyncStandby(admin1, "tandem-2", BOUND);
                JsonNode peers2 = admin2.get("/api/v1/peers").json();
                assertThat(peers2.path("role").asText()).isEqualTo("standby");
                assertThat(peers2.path("active").path("name").asText()).isEqualTo("tandem-1");

                // Sync: answered means the standby holds it, and serves the same versions.
                assertThat(admin1.post("/api/v1/apply", gateway(9001)).status()).isEqualTo(201);
                long revision =
                        admin1.get("/api/v1/status").json().path("revision").asLong();
                await().atMost(BOUND)
                        .until(() -> admin2.get("/api/v1/status")
                                        .json()
                                        .path("revision")
                                        .asLong()
                                == revision);
                await().atMost(BOUND)
                        .untilAsserted(() -> assertThat(versions(admin2)).isEqualTo(versions(admin1)));

                // A data plane joins on the active and is served by the standby too; revoked on the active,
                // the standby ends its stream and refuses it (the deny list replicates).
                Reply joinToken = admin1.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"1h\"}");
                assertThat(joinToken.status()).isEqualTo(201);
                KeyPair key = CertificateAuthority.newKeyPair();
                Reply dataPlane = joinDataPlane(admin1, joinToken, "envoy-1", key);
                assertThat(dataPlane.status()).as(dataPlane.body()).isEqualTo(201);
                ChannelCredentials tls = credentials(dataPlane.json(), key);
                String serial = dataPlane.json().path("serial").asText();
                try (RawAdsClient envoy = new RawAdsClient(second.xdsPort(), "envoy-1", "edge", tls)) {
                    assertThat(envoy.nextSotwAfter(clusters(envoy)).getResourcesCount())
                            .isPositive();
                    assertThat(admin1.post("/api/v1/certificates/" + serial + "/revoke", "{}")
                                    .status())
                            .isEqualTo(200);
                    Status ended = envoy.awaitFailure(BOUND, true);
                    assertThat(ended.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                }
                try (RawAdsClient reconnected = new RawAdsClient(second.xdsPort(), "envoy-1", "edge", tls)) {
                    assertThat(reconnected.refusal(clusters(reconnected), BOUND).getDescription())
                            .endsWith("is revoked");
                }

                // A write to the standby: 421, Location on the active; the CLI follows it once.
                Reply misdirected = admin2.post("/api/v1/apply", gateway(9002));
                assertThat(misdirected.status()).isEqualTo(421);
                assertThat(misdirected.headers().firstValue("Location"))
                        .contains("https://127.0.0.1:" + members.adminPort(1) + "/api/v1/apply");
                assertThat(misdirected.json().path("active").path("name").asText())
                        .isEqualTo("tandem-1");
                check("POST", "/api/v1/peers/tokens", admin2.post("/api/v1/peers/tokens", "{}"), 421);
                check(
                        "POST",
                        "/api/v1/peers/join",
                        admin2.as(null).post("/api/v1/peers/join", json(Map.of("token", "tpj_x", "name", "tandem-1"))),
                        421);
                check("POST", "/api/v1/peers/switch-active", admin2.post("/api/v1/peers/switch-active", "{}"), 421);
                Path file = dir.resolve("gateway.yaml");
                Files.writeString(file, gateway(9003));
                Cli.Result followed = Cli.run(
                        "apply",
                        "-f",
                        file.toString(),
                        "--server",
                        admin2.base(),
                        "--token-file",
                        data1.resolve("admin-token").toString(),
                        "--ca-file",
                        data1.resolve("pki/ca.pem").toString());
                assertThat(followed.exit()).as(followed.err()).isZero();
                assertThat(followed.err()).contains("sent to the active tandem-1");
                long followedRevision =
                        admin1.get("/api/v1/status").json().path("revision").asLong();
                assertThat(followedRevision).isGreaterThan(revision);

                // switch-active: the standby becomes the active at the next epoch; the old one follows it.
                Reply switched = check(
                        "POST",
                        "/api/v1/peers/switch-active",
                        admin1.post("/api/v1/peers/switch-active", "{\"to\": \"tandem-2\"}"),
                        200);
                assertThat(switched.json().path("to").asText()).isEqualTo("tandem-2");
                assertThat(switched.json().path("epoch").asLong()).isEqualTo(2);
                await().atMost(BOUND)
                        .until(() -> admin2.get("/api/v1/peers")
                                .json()
                                .path("role")
                                .asText()
                                .equals("active"));
                await().atMost(BOUND)
                        .until(() -> "tandem-1"
                                .equals(admin2.get("/api/v1/peers")
                                        .json()
                                        .path("syncStandby")
                                        .asText()));
                assertThat(admin2.post("/api/v1/apply", gateway(9004)).status()).isEqualTo(201);
                long afterSwitch =
                        admin2.get("/api/v1/status").json().path("revision").asLong();
                assertThat(afterSwitch).isGreaterThan(followedRevision);
                await().atMost(BOUND)
                        .until(() -> admin1.get("/api/v1/status")
                                        .json()
                                        .path("revision")
                                        .asLong()
                                == afterSwitch);
                await().atMost(BOUND)
                        .untilAsserted(() -> assertThat(versions(admin1)).isEqualTo(versions(admin2)));
                // Every write on both, in the same order: the audit logs are equal.
                assertThat(admin1.get("/api/v1/audit?limit=100").json().path("entries"))
                        .isEqualTo(admin2.get("/api/v1/audit?limit=100").json().path("entries"));
                assertThat(admin1.post("/api/v1/apply", gateway(9005)).status()).isEqualTo(421);
                // The join token used on tandem-1 is used on tandem-2, now the active, too.
                Reply reused = joinDataPlane(admin2, joinToken, "envoy-2", CertificateAuthority.newKeyPair());
                assertThat(reused.status()).as(reused.body()).isEqualTo(401);
                assertThat(reused.json().path("details").get(0).asText())
                        .startsWith("the join token was already used at");
            }
        }
        soft.assertAll();
        assertThat(answers.exercised()).containsExactlyInAnyOrderElementsOf(new TreeSet<>(ANSWERS));
    }

    private Reply check(String method, String template, Reply reply, int expected) {
        return answers.check(method, template, reply, expected);
    }

    private static String gateway(int port) {
        return Gateways.edge(port);
    }

    /** {@code POST /api/v1/join} (no admin token: the join token is the credential) with a CSR for {@code nodeId}. */
    private static Reply joinDataPlane(AdminHttp admin, Reply joinToken, String nodeId, KeyPair key) throws Exception {
        return admin.as(null)
                .post(
                        "/api/v1/join",
                        json(Map.of(
                                "token",
                                joinToken.json().path("token").asText(),
                                "csr",
                                CertificateRequests.pem(nodeId, key))));
    }

    private static DiscoveryRequest clusters(RawAdsClient client) {
        return DiscoveryRequest.newBuilder()
                .setNode(client.node())
                .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                .build();
    }

    /** The data plane's mTLS credentials from its join answer and its key. */
    private ChannelCredentials credentials(JsonNode joined, KeyPair key) throws Exception {
        Path tls = Files.createDirectories(dir.resolve("envoy-1"));
        Files.writeString(tls.resolve("client.pem"), joined.path("certificate").asText());
        Files.writeString(tls.resolve("ca.pem"), joined.path("caBundle").asText());
        PemFiles.writePrivate(tls.resolve("client.key"), key.getPrivate());
        return TestPki.credentials(tls);
    }

    private static JsonNode versions(AdminHttp admin) {
        return admin.get("/api/v1/status")
                .json()
                .path("nodeGroups")
                .path("edge")
                .path("versions");
    }

    private static String json(Object body) throws Exception {
        return JSON.writeValueAsString(body);
    }
}
