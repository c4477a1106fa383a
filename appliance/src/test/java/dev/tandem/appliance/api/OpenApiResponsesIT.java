package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.rpc.Status;
import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateRequests;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.RawAdsClient;
import dev.tandem.appliance.testing.RunningAppliance;
import dev.tandem.appliance.testing.TestPki;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every operation of {@code openapi.yaml} against a real appliance ({@link RunningAppliance}: its HTTPS
 * admin server, store, xDS server and export): its success answers and its main refusals (401 without a
 * token, 403 with too low a role, 400 and 404 and 409 where it has them), and for every path one method
 * it does not have (405). Each answer's status must be documented for its operation, its content type
 * must be one documented for that status, and a JSON body must validate against the documented schema,
 * looked up in the document itself (paths, method, responses, status, content, schema) and checked by
 * networknt. Nothing here checks a field by hand: the schemas do, so a field added, renamed or
 * retyped in the code and not in the document fails here.
 *
 * <p>A ledger keeps which documented answers (operation, status, content type) were seen, and the last
 * check fails for any never exercised, unless {@link #NOT_EXERCISED} says why it cannot be here.
 */
class OpenApiResponsesIT {

    /**
     * Documented answers this test does not provoke, and where they are tested: each needs a fault or a
     * load that would make this test slow or flaky.
     */
    static final Map<String, String> NOT_EXERCISED = notExercised();

    private static final OpenApiDocument DOCUMENT = OpenApiDocument.load();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = """
            kind: Gateway
            metadata: {name: edge}
            spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}], rollout: {haltOnNack: true}}
            ---
            kind: Route
            metadata: {name: orders}
            spec: {gateways: [edge], hosts: [orders.example.com], to: {upstream: orders}}
            ---
            kind: Upstream
            metadata: {name: orders}
            spec: {endpoints: [{address: 127.0.0.1, port: 9001}]}
            """;

    private static Path dir;
    private static RunningAppliance appliance;

    private final SoftAssertions soft = new SoftAssertions();
    private final DocumentedAnswers answers = new DocumentedAnswers(DOCUMENT, soft);
    private AdminHttp admin;
    private AdminHttp operator;
    private String operatorToken;
    private AdminHttp viewer;
    private AdminHttp anonymous;

    private static Map<String, String> notExercised() {
        Map<String, String> out = new TreeMap<>();
        out.put(
                "POST /api/v1/apply 503 application/json",
                "more applies at once than the admission parses; ApplyAdmissionIT drives it");
        out.put(
                "POST /api/v1/revisions/{number}/restore 503 application/json",
                "more applies at once than the admission parses, as for apply");
        out.put(
                "GET /readyz 503 application/json",
                "a node group's snapshot that cannot be set; PublishFailureIT drives it");
        String stuck = "the peer machine answers every command within its own bounds: only a machine thread stuck "
                + "longer than them gives it";
        out.put("POST /api/v1/peers/switch-active 503 application/json", stuck);
        out.put("POST /api/v1/peers/promote 503 application/json", stuck);
        for (String answer : List.of(
                "GET /api/v1/peers/diverged/{epoch}/{index} 200 application/json",
                "DELETE /api/v1/peers/diverged/{epoch}/{index} 200 application/json")) {
            out.put(answer, "needs a node that moved an entry aside; PeerDivergenceIT checks it against the document");
        }
        PeerPairIT.ANSWERS.forEach(
                answer -> out.put(answer, "needs two peers; PeerPairIT checks it against the document"));
        return Map.copyOf(out);
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tandem-openapi-it");
        appliance = RunningAppliance.start("openapi-it", dir);
    }

    @AfterAll
    static void stop() throws IOException {
        appliance.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented() throws Exception {
        admin = appliance.admin();
        anonymous = admin.as(null);
        openRoutes();
        adminTokens();
        whoami();
        long first = apply();
        statusWithARejectingDataPlane();
        revisions(first);
        restore(first);
        joinAndCertificates();
        bootstrap();
        audit();
        export();
        peersOfAStandaloneNode();
        wrongMethodsAndUnknownPaths();
        soft.assertAll();

        Set<String> exercised = answers.exercised();
        Set<String> missing = DocumentedAnswers.all(DOCUMENT);
        missing.removeAll(exercised);
        missing.removeAll(NOT_EXERCISED.keySet());
        assertThat(missing).as("documented answers never exercised").isEmpty();
        assertThat(exercised)
                .as("answers said to be not exercised here, yet exercised")
                .doesNotContainAnyElementsOf(NOT_EXERCISED.keySet());
        assertThat(DocumentedAnswers.all(DOCUMENT))
                .as("answers said to be not exercised are documented")
                .containsAll(NOT_EXERCISED.keySet());
    }

    private void openRoutes() throws IOException {
        call(anonymous, "GET", "/healthz", "/healthz", 200);
        call(anonymous, "GET", "/readyz", "/readyz", 200);
        assertThat(call(anonymous, "GET", "/metrics", "/metrics", 200).body()).contains("tandem_revision");
        Reply contract = call(anonymous, "GET", "/openapi.yaml", "/openapi.yaml", 200);
        assertThat(contract.body().getBytes(StandardCharsets.UTF_8))
                .as("/openapi.yaml is served byte for byte as the class path has it")
                .isEqualTo(OpenApiDocument.bytes());
        Reply schema = call(
                anonymous, "GET", "/schemas/gateway-config.schema.json", "/schemas/gateway-config.schema.json", 200);
        assertThat(schema.body().getBytes(StandardCharsets.UTF_8))
                .as("the gateway config schema is served byte for byte")
                .isEqualTo(classpath("/schema/gateway-config.schema.json"));
    }

    private void adminTokens() {
        String path = "/api/v1/admin-tokens";
        String token = call(admin, "POST", path, path, json(Map.of("name", "viewer", "role", "viewer")), 201)
                .json()
                .path("token")
                .asText();
        viewer = admin.as(token);
        operatorToken = call(admin, "POST", path, path, json(Map.of("name", "operator", "role", "operator")), 201)
                .json()
                .path("token")
                .asText();
        operator = admin.as(operatorToken);
        call(admin, "POST", path, path, json(Map.of("name", "viewer", "role", "viewer")), 409);
        call(admin, "POST", path, path, "{name", 400);
        call(admin, "POST", path, path, json(Map.of("name", "bad name", "role", "root")), 400);
        call(operator, "POST", path, path, json(Map.of("name", "x", "role", "admin")), 403);
        call(anonymous, "POST", path, path, json(Map.of("name", "x", "role", "admin")), 401);
        call(admin, "GET", path, path, 200);
        call(operator, "GET", path, path, 403);
        call(anonymous, "GET", path, path, 401);

        call(admin, "POST", path, path, json(Map.of("name", "ci", "role", "viewer")), 201);
        String role = "/api/v1/admin-tokens/{name}/role";
        call(admin, "POST", role, path + "/ci/role", json(Map.of("role", "operator")), 200);
        call(admin, "POST", role, path + "/ci/role", json(Map.of("role", "root")), 400);
        call(admin, "POST", role, path + "/initial-admin/role", json(Map.of("role", "viewer")), 409);
        call(operator, "POST", role, path + "/ci/role", json(Map.of("role", "admin")), 403);
        call(anonymous, "POST", role, path + "/ci/role", json(Map.of("role", "admin")), 401);
        String one = "/api/v1/admin-tokens/{name}";
        call(operator, "DELETE", one, path + "/ci", 403);
        call(anonymous, "DELETE", one, path + "/ci", 401);
        call(admin, "DELETE", one, path + "/ci", 200);
        call(admin, "DELETE", one, path + "/ci", 409);
    }

    /** A standalone node lists itself, and refuses what only peers can do; PeersIT drives the answers of a pair. */
    private void peersOfAStandaloneNode() {
        String peers = "/api/v1/peers";
        JsonNode self = call(viewer, "GET", peers, peers, 200).json();
        assertThat(self.path("role").asText()).isEqualTo("standalone");
        call(anonymous, "GET", peers, peers, 401);
        String diverged = "/api/v1/peers/diverged/{epoch}/{index}";
        call(viewer, "GET", diverged, "/api/v1/peers/diverged/1/9", 404);
        call(viewer, "GET", diverged, "/api/v1/peers/diverged/one/9", 400);
        call(anonymous, "GET", diverged, "/api/v1/peers/diverged/1/9", 401);
        call(admin, "DELETE", diverged, "/api/v1/peers/diverged/1/9", 404);
        call(admin, "DELETE", diverged, "/api/v1/peers/diverged/1/nine", 400);
        call(operator, "DELETE", diverged, "/api/v1/peers/diverged/1/9", 403);
        call(anonymous, "DELETE", diverged, "/api/v1/peers/diverged/1/9", 401);
        String health = "/api/v1/cluster/health";
        JsonNode healthy = call(viewer, "GET", health, health, 200).json();
        assertThat(healthy.path("role").asText()).isEqualTo("standalone");
        call(anonymous, "GET", health, health, 401);
        String tokens = "/api/v1/peers/tokens";
        call(admin, "POST", tokens, tokens, json(Map.of("ttl", "1h")), 409);
        call(admin, "POST", tokens, tokens, json(Map.of("ttl", "30d")), 400);
        call(operator, "POST", tokens, tokens, json(Map.of("ttl", "1h")), 403);
        call(anonymous, "POST", tokens, tokens, json(Map.of("ttl", "1h")), 401);
        String join = "/api/v1/peers/join";
        call(anonymous, "POST", join, join, json(Map.of("token", "tpj_x", "name", "tandem-2")), 409);
        call(anonymous, "POST", join, join, "{token", 400);
        String switchActive = "/api/v1/peers/switch-active";
        call(operator, "POST", switchActive, switchActive, json(Map.of()), 409);
        call(operator, "POST", switchActive, switchActive, json(Map.of("to", 5)), 400);
        call(viewer, "POST", switchActive, switchActive, json(Map.of()), 403);
        call(anonymous, "POST", switchActive, switchActive, json(Map.of()), 401);
        String promote = "/api/v1/peers/promote";
        call(admin, "POST", promote, promote, json(Map.of("dryRun", true)), 200);
        call(admin, "POST", promote, promote, json(Map.of()), 409);
        call(admin, "POST", promote, promote, json(Map.of("dryRun", "yes")), 400);
        call(operator, "POST", promote, promote, json(Map.of()), 403);
        call(anonymous, "POST", promote, promote, json(Map.of()), 401);
    }

    private void whoami() {
        Reply me = call(viewer, "GET", "/api/v1/whoami", "/api/v1/whoami", 200);
        assertThat(me.json().path("name").asText()).isEqualTo("viewer");
        call(anonymous, "GET", "/api/v1/whoami", "/api/v1/whoami", 401);
        call(admin.as("tdm_" + "A".repeat(43)), "GET", "/api/v1/whoami", "/api/v1/whoami", 401);
    }

    /** @return the revision the config became */
    private long apply() throws IOException {
        String path = "/api/v1/apply";
        call(operator, "POST", path, path + "?dryRun=true", CONFIG, 200);
        long revision = call(operator, "POST", path, path, CONFIG, 201)
                .json()
                .path("revision")
                .asLong();
        call(operator, "POST", path, path, "# the same\n" + CONFIG, 200);
        call(operator, "POST", path, path + "?dryRun=true", CONFIG.replace("9001", "9002"), 200);
        call(operator, "POST", path, path + "?dryRun=false", CONFIG, 200);
        call(operator, "POST", path, path + "?dryRun=maybe", CONFIG, 400);
        Reply invalid = call(
                operator, "POST", path, path, CONFIG.replace("to: {upstream: orders}", "to: {upstream: nowhere}"), 400);
        assertThat(invalid.json().path("errors"))
                .as("an invalid config lists its errors")
                .isNotEmpty();
        call(operator, "POST", path, path + "?dryRun=true", "kind: Gateway\n", 400);
        call(viewer, "POST", path, path, CONFIG, 403);
        call(anonymous, "POST", path, path, CONFIG, 401);
        check("POST", path, declaringLength(path, operatorToken, 9L * 1024 * 1024), 413);
        return revision;
    }

    /** A data plane that NACKs the edge group's listeners: the status then shows it, its NACK and the halt. */
    private void statusWithARejectingDataPlane() throws Exception {
        try (RawAdsClient envoy = new RawAdsClient(appliance.xdsPort(), "openapi-envoy", "edge")) {
            DiscoveryRequest listeners = DiscoveryRequest.newBuilder()
                    .setNode(envoy.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .build();
            envoy.sendSotw(listeners);
            DiscoveryResponse response = envoy.nextSotw();
            envoy.sendSotw(listeners.toBuilder()
                    .setResponseNonce(response.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3).setMessage("no, thanks"))
                    .build());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !viewer.get("/api/v1/status")
                            .json()
                            .path("nodeGroups")
                            .path("edge")
                            .path("rollout")
                            .path("halted")
                            .isNull());
            JsonNode status =
                    call(viewer, "GET", "/api/v1/status", "/api/v1/status", 200).json();
            assertThat(status.path("dataPlanes")
                            .path(0)
                            .path("lastNack")
                            .path("detail")
                            .asText())
                    .isEqualTo("no, thanks");
            envoy.cancelStreams();
        }
        call(anonymous, "GET", "/api/v1/status", "/api/v1/status", 401);
    }

    private void revisions(long first) {
        String list = "/api/v1/revisions";
        call(viewer, "GET", list, list, 200);
        call(viewer, "GET", list, list + "?limit=1", 200);
        call(viewer, "GET", list, list + "?limit=0", 400);
        call(anonymous, "GET", list, list, 401);
        String one = "/api/v1/revisions/{number}";
        call(viewer, "GET", one, list + "/" + first, 200);
        call(viewer, "GET", one, list + "/latest", 400);
        call(viewer, "GET", one, list + "/999999", 404);
        call(anonymous, "GET", one, list + "/" + first, 401);
    }

    private void restore(long first) throws IOException {
        String restore = "/api/v1/revisions/{number}/restore";
        call(operator, "POST", "/api/v1/apply", "/api/v1/apply", CONFIG.replace("9001", "9002"), 201);
        Reply restored = call(operator, "POST", restore, "/api/v1/revisions/" + first + "/restore", 201);
        assertThat(restored.json().path("restoredFrom").asLong()).isEqualTo(first);
        call(operator, "POST", restore, "/api/v1/revisions/" + first + "/restore", 200);
        call(operator, "POST", restore, "/api/v1/revisions/latest/restore", 400);
        call(operator, "POST", restore, "/api/v1/revisions/999999/restore", 404);
        call(viewer, "POST", restore, "/api/v1/revisions/" + first + "/restore", 403);
        call(anonymous, "POST", restore, "/api/v1/revisions/" + first + "/restore", 401);

        // A revision whose secret file is gone from the host is restored from what it kept.
        Path caFile = dir.resolve("restore-ca.pem");
        Files.copy(TestPki.caFile(), caFile);
        long withSecret = call(
                        operator,
                        "POST",
                        "/api/v1/apply",
                        "/api/v1/apply",
                        CONFIG + "---\nkind: Secret\nmetadata: {name: internal-ca}\nspec: {type: CA, caFile: " + caFile
                                + "}\n",
                        201)
                .json()
                .path("revision")
                .asLong();
        Files.delete(caFile);
        call(operator, "POST", "/api/v1/apply", "/api/v1/apply", CONFIG, 201);
        Reply gone = call(operator, "POST", restore, "/api/v1/revisions/" + withSecret + "/restore", 201);
        assertThat(gone.json().path("restoredFrom").asLong()).isEqualTo(withSecret);
        // An invalid gateway config is the 400 of apply, in the same shape the restore documents.
        Reply invalid = call(operator, "POST", "/api/v1/apply", "/api/v1/apply", CONFIG.replace("9001", "0"), 400);
        assertThat(invalid.json().path("errors")).isNotEmpty();
    }

    private void joinAndCertificates() throws Exception {
        String tokens = "/api/v1/join-tokens";
        String joinToken = call(admin, "POST", tokens, tokens, json(Map.of("nodeGroup", "edge", "uses", 2)), 201)
                .json()
                .path("token")
                .asText();
        call(admin, "POST", tokens, tokens, json(Map.of("nodeGroup", "edge", "ttl", "30d")), 400);
        call(admin, "POST", tokens, tokens, "{nodeGroup", 400);
        call(operator, "POST", tokens, tokens, json(Map.of("nodeGroup", "edge")), 403);
        call(anonymous, "POST", tokens, tokens, json(Map.of("nodeGroup", "edge")), 401);

        String join = "/api/v1/join";
        String serial = call(
                        anonymous, "POST", join, join, json(Map.of("token", joinToken, "csr", csr("joiner-1"))), 201)
                .json()
                .path("serial")
                .asText();
        call(anonymous, "POST", join, join, json(Map.of("token", joinToken, "csr", "not a CSR")), 400);
        call(anonymous, "POST", join, join, "{token", 400);
        call(anonymous, "POST", join, join, json(Map.of("token", "tjn_forged", "csr", csr("joiner-2"))), 401);

        String list = "/api/v1/certificates";
        call(viewer, "GET", list, list, 200);
        call(anonymous, "GET", list, list, 401);

        String renew = "/api/v1/certificates/renew";
        TestPki.ClientCertificate current = TestPki.dataPlane("renewer", "edge");
        check("POST", renew, renewWith(current, json(Map.of("csr", csr("renewer")))), 201);
        check("POST", renew, renewWith(current, json(Map.of("csr", csr("someone-else")))), 403);
        check("POST", renew, renewWith(current, "{csr"), 400);
        call(anonymous, "POST", renew, renew, json(Map.of("csr", csr("renewer"))), 401);

        String revoke = "/api/v1/certificates/{serial}/revoke";
        call(operator, "POST", revoke, list + "/" + serial + "/revoke", "{}", 403);
        call(anonymous, "POST", revoke, list + "/" + serial + "/revoke", "{}", 401);
        call(admin, "POST", revoke, list + "/" + serial + "/revoke", json(Map.of("reason", "host replaced")), 200);
        call(admin, "POST", revoke, list + "/zz-not-hex/revoke", "{}", 400);
        call(admin, "POST", revoke, list + "/" + serial + "/revoke", json(Map.of("reason", "x".repeat(401))), 400);
        call(admin, "POST", revoke, list + "/abcdef0123/revoke", "{}", 404);
    }

    private void bootstrap() {
        String path = "/api/v1/bootstrap";
        assertThat(call(viewer, "GET", path, path + "?group=edge", 200).body()).contains("xds_cluster");
        call(viewer, "GET", path, path + "?group=edge&node=edge-1&format=grpc&region=a&zone=a1", 200);
        call(viewer, "GET", path, path, 400);
        call(viewer, "GET", path, path + "?group=edge&format=xml", 400);
        call(viewer, "GET", path, path + "?group=nowhere", 404);
        call(anonymous, "GET", path, path + "?group=edge", 401);
    }

    private void audit() {
        String path = "/api/v1/audit";
        Reply page = call(viewer, "GET", path, path + "?limit=1", 200);
        assertThat(page.json().has("next")).isTrue();
        call(
                viewer,
                "GET",
                path,
                path + "?limit=2&before=" + page.json().path("next").asLong(),
                200);
        call(viewer, "GET", path, path + "?limit=0", 400);
        call(viewer, "GET", path, path + "?before=yesterday", 400);
        call(anonymous, "GET", path, path, 401);
    }

    /** The export, then the export store broken (a file where its folder was): the export answers 503. */
    private void export() throws IOException {
        String path = "/api/v1/export";
        call(viewer, "GET", path, path, 200);
        call(anonymous, "GET", path, path, 401);
        call(operator, "POST", path, path, 200);
        call(viewer, "POST", path, path, 403);
        call(anonymous, "POST", path, path, 401);

        Path store = appliance.dataDir().resolve("export");
        Path aside = dir.resolve("export-aside");
        Files.move(store, aside);
        Files.writeString(store, "not a folder");
        try {
            call(operator, "POST", "/api/v1/apply", "/api/v1/apply", CONFIG.replace("9001", "9003"), 201);
            call(operator, "POST", path, path, 503);
        } finally {
            Files.delete(store);
            Files.move(aside, store);
        }
        call(operator, "POST", path, path, 200);
    }

    /** For every path, a method it does not have: 405 naming the ones it has. And an unknown path: 404. */
    private void wrongMethodsAndUnknownPaths() {
        Set<String> paths = new TreeSet<>();
        DOCUMENT.operations().forEach(o -> paths.add(o.path()));
        for (String template : paths) {
            List<String> methods = DOCUMENT.methods(template);
            String wrong = Stream.of("PUT", "DELETE", "POST", "GET")
                    .filter(m -> !methods.contains(m))
                    .findFirst()
                    .orElseThrow();
            String path = template.replaceAll("\\{[^}]+}", "1");
            Reply reply = admin.request(wrong, path, null);
            soft.assertThat(reply.status()).as(wrong + " " + path).isEqualTo(405);
            soft.assertThat(reply.headers().firstValue("Allow"))
                    .as("Allow of " + path)
                    .hasValue(String.join(", ", new TreeSet<>(methods)));
            generic(wrong + " " + path, reply);
        }
        Reply unknown = viewer.get("/api/v1/nothing-here");
        soft.assertThat(unknown.status()).isEqualTo(404);
        generic("GET /api/v1/nothing-here", unknown);
    }

    /** An answer every operation may give (404, 405): the one error shape. */
    private void generic(String what, Reply reply) {
        soft.assertThat(DOCUMENT.problems("/components/schemas/Error", reply.body()))
                .as(what + " answers the one error shape: " + reply.body())
                .isEmpty();
    }

    private Reply call(AdminHttp as, String method, String template, String target, int expected) {
        return check(method, template, as.request(method, target, null), expected);
    }

    private Reply call(AdminHttp as, String method, String template, String target, String body, int expected) {
        return check(method, template, as.request(method, target, body), expected);
    }

    /**
     * Checks {@code reply} against what the document says {@code method template} answers, and records it
     * in the ledger.
     */
    private Reply check(String method, String template, Reply reply, int expected) {
        return answers.check(method, template, reply, expected);
    }

    /** A renewal over TLS with {@code current} as the client certificate (as {@code tandem cert renew}). */
    private Reply renewWith(TestPki.ClientCertificate current, String body) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(TestPki.clientTls(current))
                .build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create(admin.base() + "/api/v1/certificates/renew"))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            json = JSON.missingNode();
        }
        return new Reply(response.statusCode(), json, response.body(), response.headers());
    }

    /**
     * A POST whose headers declare a body of {@code length} bytes, of which none is sent: the server
     * refuses it by its Content-Length alone. (Sending the body as well races the server, which answers
     * and closes the connection while the client is still writing.)
     */
    private Reply declaringLength(String path, String token, long length) throws IOException {
        URI base = URI.create(admin.base());
        SSLContext tls = TestPki.adminTls(TestPki.caFile());
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(base.getHost(), base.getPort())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + base.getAuthority() + "\r\nAuthorization: Bearer "
                            + token + "\r\nContent-Type: application/yaml\r\nContent-Length: " + length
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = answer.indexOf("\r\n\r\n");
            assertThat(end).as("an HTTP answer: " + answer).isPositive();
            List<String> head = List.of(answer.substring(0, end).split("\r\n"));
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String header : head.subList(1, head.size())) {
                String[] nameAndValue = header.split(":", 2);
                headers.computeIfAbsent(nameAndValue[0].strip(), n -> new ArrayList<>())
                        .add(nameAndValue[1].strip());
            }
            String body = answer.substring(end + 4);
            return new Reply(
                    Integer.parseInt(head.get(0).split(" ")[1]),
                    JSON.missingNode(),
                    body,
                    HttpHeaders.of(headers, (name, value) -> true));
        }
    }

    private static String csr(String nodeId) {
        return CertificateRequests.pem(nodeId, CertificateAuthority.newKeyPair());
    }

    private static String json(Map<String, Object> body) {
        try {
            return JSON.writeValueAsString(new LinkedHashMap<>(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] classpath(String resource) {
        try (InputStream in = OpenApiResponsesIT.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the class path").isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
