package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.Jackson;
import dev.tandem.appliance.auth.Role;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.testing.Gateways;
import dev.tandem.appliance.testing.TestPki;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The admin API route by route: each answer and its main refusals (401 without a valid token, 403 for
 * a role too low, 404 for an unknown path, 405 with {@code Allow}, 400 for a bad body or query). One
 * body, two ways in: {@link AdminRoutesInMemoryTest} calls the routing in memory (Helidon's
 * {@code DirectClient}), {@link AdminRoutesOverHttpIT} through a server on a free port; both build the
 * routing with {@link AdminApi#routing} over the appliance's real parts ({@link AdminApiFixture}).
 *
 * <p>The tests of a class share one appliance, so each asserts what its own calls did (its own token
 * names, revision numbers relative to the ones before), never the count of what others left.
 */
abstract class AdminRoutesContract extends AdminApiTestBase {

    static final String CONFIG = Gateways.edge(9001);

    private static final AtomicInteger NAMES = new AtomicInteger();

    AdminRoutesContract(Http1Client client) {
        super(client);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws Exception {
        serve(routing, Clock.systemUTC());
    }

    // --- GET /api/v1/status

    @Test
    void statusNamesTheNodeAndItsCurrentRevision() {
        Reply status = as(Role.VIEWER).get("/api/v1/status");
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.header("Content-Type")).hasValue("application/json");
        assertThat(status.json().path("node").asText()).isEqualTo(AdminApiFixture.NODE);
        assertThat(status.json().path("role").asText()).isEqualTo("standalone");
        assertThat(status.json().path("security").path("xds").asText()).isEqualTo("mtls");
        JsonNode newest =
                as(Role.VIEWER).get("/api/v1/revisions?limit=1").json().path("revisions");
        assertThat(status.json().path("revision").asLong())
                .isEqualTo(newest.isEmpty() ? 0 : newest.get(0).path("number").asLong());
    }

    @Test
    void statusWithoutATokenIs401AskingForOne() {
        Reply missing = anonymous().get("/api/v1/status");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).hasValue("Bearer realm=\"tandem\"");
        assertThat(missing.body()).isEqualTo("""
                {
                  "error" : "unauthorized",
                  "details" : [ "this call needs Authorization: Bearer <admin token>" ]
                }
                """);
        Reply forged = withToken("tdm_" + "A".repeat(43)).get("/api/v1/status");
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.details()).containsExactly("the bearer token is not a valid admin token");
        Reply notBearer = withHeader("Basic dXNlcjpwYXNz").get("/api/v1/status");
        assertThat(notBearer.status()).isEqualTo(401);
        assertThat(notBearer.details()).containsExactly("this call needs Authorization: Bearer <admin token>");
    }

    @Test
    void statusIsReadOnly() {
        assertMethodNotAllowed(
                as(Role.ADMIN).send("DELETE", "/api/v1/status", Optional.empty()), "DELETE", "/api/v1/status", "GET");
    }

    // --- unknown paths and the open routes

    @ParameterizedTest
    @CsvSource({"/api/v1/statuses", "/api/v2/status", "/api/v1/revisions/7/config"})
    void anUnknownPathIs404NamingIt(String path) {
        Reply reply = as(Role.VIEWER).get(path);
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().path("error").asText()).isEqualTo("not found");
        assertThat(reply.details())
                .containsExactly("no such path: " + path
                        + " (the admin API is under /api/v1; /openapi.yaml describes every path)");
    }

    @Test
    void healthReadinessAndMetricsNeedNoToken() {
        Reply health = anonymous().get("/healthz");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\n  \"status\" : \"UP\"\n}\n");
        assertThat(anonymous().get("/readyz").json().path("ready").asBoolean()).isTrue();
        Reply metrics = anonymous().get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body()).contains("tandem_admin_refusals_total");
        assertThat(anonymous().get("/nope").status()).isEqualTo(404);
        assertMethodNotAllowed(anonymous().send("POST", "/healthz", Optional.of("{}")), "POST", "/healthz", "GET");
    }

    // --- GET /api/v1/revisions

    @Test
    void revisionsListTheNewestFirstAndShowOne() {
        long applied = as(Role.OPERATOR)
                .post("/api/v1/apply", CONFIG.replace("port: 9001", "port: " + (20_000 + next())))
                .json()
                .path("revision")
                .asLong();
        Reply list = as(Role.VIEWER).get("/api/v1/revisions");
        assertThat(list.status()).isEqualTo(200);
        JsonNode newest = list.json().path("revisions").get(0);
        assertThat(newest.path("number").asLong()).isEqualTo(applied);
        assertThat(newest.path("appliedBy").asText()).isEqualTo("operator");
        assertThat(newest.path("documents").asInt()).isEqualTo(3);
        assertThat(as(Role.VIEWER).get("/api/v1/revisions?limit=1").json().path("revisions"))
                .hasSize(1);

        Reply one = as(Role.VIEWER).get("/api/v1/revisions/" + applied);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().path("number").asLong()).isEqualTo(applied);
        assertThat(one.json().path("config").asText()).startsWith("kind: Gateway");
    }

    @Test
    void revisionsRefuseWhatIsNotARevision() {
        Reply unknown = as(Role.VIEWER).get("/api/v1/revisions/999999");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).isEqualTo("no such revision");
        assertThat(unknown.details()).containsExactly("revision 999999 does not exist");
        Reply latest = as(Role.VIEWER).get("/api/v1/revisions/latest");
        assertThat(latest.status()).isEqualTo(400);
        assertThat(latest.json().path("error").asText()).isEqualTo("invalid revision number");
        assertThat(latest.details()).containsExactly("'latest' is not a revision number");
        Reply limit = as(Role.VIEWER).get("/api/v1/revisions?limit=0");
        assertThat(limit.status()).isEqualTo(400);
        assertThat(limit.json().path("error").asText()).isEqualTo("invalid query parameter");
        assertThat(limit.details()).containsExactly("limit '0' must be a whole number from 1 to 1000");
        assertThat(anonymous().get("/api/v1/revisions").status()).isEqualTo(401);
        assertMethodNotAllowed(
                as(Role.OPERATOR).send("DELETE", "/api/v1/revisions", Optional.empty()),
                "DELETE",
                "/api/v1/revisions",
                "GET");
    }

    // --- POST /api/v1/apply

    @Test
    void aValidConfigBecomesTheNextRevisionAndTheSameOneAgainChangesNothing() {
        String config = CONFIG.replace("port: 9001", "port: " + (20_000 + next()));
        long before =
                as(Role.VIEWER).get("/api/v1/status").json().path("revision").asLong();
        Reply applied = as(Role.OPERATOR).post("/api/v1/apply", config);
        assertThat(applied.status()).isEqualTo(201);
        assertThat(applied.json().path("revision").asLong()).isEqualTo(before + 1);
        assertThat(applied.json().path("unchanged").asBoolean()).isFalse();
        assertThat(applied.json().path("nodeGroups"))
                .extracting(JsonNode::asText)
                .containsExactly("edge");
        assertThat(applied.json().path("published").asBoolean()).isTrue();
        assertThat(applied.json().has("publishError")).isFalse();
        JsonNode status = as(Role.VIEWER).get("/api/v1/status").json();
        assertThat(applied.json().path("versions").path("edge"))
                .isEqualTo(status.path("nodeGroups").path("edge").path("versions"));

        Reply again = as(Role.OPERATOR).post("/api/v1/apply", "# the same config\n" + config);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("unchanged").asBoolean()).isTrue();
        assertThat(again.json().path("revision").asLong()).isEqualTo(before + 1);
    }

    @Test
    void anInvalidConfigIsRefusedWholeWithEveryError() {
        long before =
                as(Role.VIEWER).get("/api/v1/status").json().path("revision").asLong();
        Reply refused = as(Role.OPERATOR)
                .post(
                        "/api/v1/apply",
                        CONFIG.replace("port: 10000", "port: 100000")
                                .replace("to: {upstream: orders}", "to: {upstream: nowhere}"));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body()).isEqualTo("""
                {
                  "error" : "invalid gateway config: 2 error(s)",
                  "details" : [ "Gateway 'edge': spec.listeners[0].port 100000 is out of range (1 to 65535)", \
                "Route 'orders': spec.to.upstream 'nowhere' does not exist" ],
                  "errors" : [ {
                    "document" : "Gateway 'edge'",
                    "field" : "spec.listeners[0].port",
                    "reason" : "100000 is out of range (1 to 65535)",
                    "line" : 3,
                    "column" : 56
                  }, {
                    "document" : "Route 'orders'",
                    "field" : "spec.to.upstream",
                    "reason" : "'nowhere' does not exist",
                    "line" : 7,
                    "column" : 70
                  } ]
                }
                """);
        Reply empty = as(Role.OPERATOR).post("/api/v1/apply", "");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.details()).containsExactly("file: contains no documents (a config needs at least a Gateway)");
        assertThat(as(Role.VIEWER).get("/api/v1/status").json().path("revision").asLong())
                .isEqualTo(before);
    }

    @Test
    void applyNeedsAnOperatorAndIsAPost() {
        Reply viewer = as(Role.VIEWER).post("/api/v1/apply", CONFIG);
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.json().path("error").asText()).isEqualTo("forbidden");
        assertThat(viewer.details())
                .containsExactly("token 'viewer' has role viewer; POST /api/v1/apply needs operator");
        assertThat(viewer.header("WWW-Authenticate")).isEmpty();
        assertThat(anonymous().post("/api/v1/apply", CONFIG).status()).isEqualTo(401);
        assertMethodNotAllowed(
                as(Role.OPERATOR).send("PUT", "/api/v1/apply", Optional.of(CONFIG)), "PUT", "/api/v1/apply", "POST");
        assertMethodNotAllowed(as(Role.VIEWER).get("/api/v1/apply"), "GET", "/api/v1/apply", "POST");
    }

    @Test
    void aDryRunSaysWhatWouldChangePerGroupAndStoresNothing() {
        String config = CONFIG.replace("port: 9001", "port: " + (20_000 + next()));
        as(Role.OPERATOR).post("/api/v1/apply", config);
        long before =
                as(Role.VIEWER).get("/api/v1/status").json().path("revision").asLong();

        Reply same = as(Role.OPERATOR).post("/api/v1/apply?dryRun=true", config);
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.json().path("dryRun").asBoolean()).isTrue();
        assertThat(same.json().path("unchanged").asBoolean()).isTrue();
        assertThat(same.json().path("servedRevision").asLong()).isEqualTo(before);
        assertThat(same.json().path("changes").isEmpty()).isTrue();

        String moved = config.replaceAll("port: 2\\d+}", "port: 19999}");
        Reply endpointMove = as(Role.OPERATOR).post("/api/v1/apply?dryRun=true", moved);
        assertThat(endpointMove.status()).isEqualTo(200);
        assertThat(endpointMove.json().path("unchanged").asBoolean()).isFalse();
        assertThat(endpointMove.json().path("changes").toString())
                .isEqualTo(
                        "{\"edge\":{\"endpoints\":{\"added\":[],\"changed\":[\"upstream:orders\"],\"removed\":[]}}}");
        // The versions it would serve are the versions the apply then serves.
        Reply applied = as(Role.OPERATOR).post("/api/v1/apply", moved);
        assertThat(applied.json().path("versions"))
                .isEqualTo(endpointMove.json().path("versions"));
        assertThat(applied.json().path("revision").asLong()).isEqualTo(before + 1);

        Reply newGroup = as(Role.OPERATOR).post("/api/v1/apply?dryRun=true", moved + """
                                ---
                                kind: Gateway
                                metadata: {name: mesh}
                                spec: {nodeGroup: mesh, listeners: [{name: http, port: 10001}]}
                                """);
        assertThat(newGroup.json().path("nodeGroups"))
                .extracting(JsonNode::asText)
                .containsExactly("edge", "mesh");
        assertThat(newGroup.json()
                        .path("changes")
                        .path("mesh")
                        .path("listeners")
                        .path("added"))
                .isNotEmpty();
        assertThat(newGroup.json().path("changes").has("edge")).isFalse();
        assertThat(as(Role.VIEWER).get("/api/v1/status").json().path("revision").asLong())
                .isEqualTo(before + 1);
    }

    @Test
    void aDryRunRefusesAnInvalidConfigWithEveryErrorAtItsLine() {
        Reply refused = as(Role.OPERATOR).post("/api/v1/apply?dryRun=true", CONFIG.replace("port: 9001", "port: 0"));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("errors").toString())
                .isEqualTo("[{\"document\":\"Upstream 'orders'\",\"field\":\"spec.endpoints[0].port\","
                        + "\"reason\":\"0 is out of range (1 to 65535)\",\"line\":11,\"column\":47}]");
        Reply badFlag = as(Role.OPERATOR).post("/api/v1/apply?dryRun=yes", CONFIG);
        assertThat(badFlag.status()).isEqualTo(400);
        assertThat(badFlag.details()).containsExactly("dryRun 'yes' must be true or false");
        assertThat(as(Role.VIEWER).post("/api/v1/apply?dryRun=true", CONFIG).status())
                .isEqualTo(403);
    }

    // --- POST /api/v1/revisions/{number}/restore

    @Test
    void aRestoreAppliesAStoredRevisionAgainWithItsPrivateKeysIntact() {
        TestPki.ClientCertificate pair = TestPki.dataPlane("restore-" + next(), "edge");
        String withSecret = CONFIG.replace("port: 9001", "port: " + (20_000 + next()))
                + """
                ---
                kind: Secret
                metadata: {name: edge-cert}
                spec:
                  type: CERTIFICATE
                  certificatePem: |
                %s
                  privateKeyPem: |
                %s
                """.formatted(indent(PemFiles.pem(pair.certificate())), indent(PemFiles.pem(pair.key())));
        long first = as(Role.OPERATOR)
                .post("/api/v1/apply", withSecret)
                .json()
                .path("revision")
                .asLong();
        as(Role.OPERATOR).post("/api/v1/apply", CONFIG.replace("port: 9001", "port: " + (20_000 + next())));
        // What the API shows of the revision cannot be applied again: its key is redacted.
        String shown = as(Role.VIEWER)
                .get("/api/v1/revisions/" + first)
                .json()
                .path("config")
                .asText();
        assertThat(shown).contains(Redaction.REDACTED);
        assertThat(as(Role.OPERATOR).post("/api/v1/apply", shown).status()).isEqualTo(400);

        Reply restored = as(Role.OPERATOR).post("/api/v1/revisions/" + first + "/restore", "");
        assertThat(restored.status()).isEqualTo(201);
        assertThat(restored.json().path("restoredFrom").asLong()).isEqualTo(first);
        long number = restored.json().path("revision").asLong();
        assertThat(number).isGreaterThan(first + 1);
        assertThat(restored.json().path("published").asBoolean()).isTrue();
        assertThat(as(Role.VIEWER)
                        .get("/api/v1/revisions/" + number)
                        .json()
                        .path("config")
                        .asText())
                .isEqualTo(shown);
        JsonNode entry = as(Role.VIEWER)
                .get("/api/v1/audit?limit=1")
                .json()
                .path("entries")
                .path(0);
        assertThat(entry.path("action").asText()).isEqualTo("restore");
        assertThat(entry.path("actor").asText()).isEqualTo("operator");
        assertThat(entry.path("revision").asLong()).isEqualTo(number);
        assertThat(entry.path("detail").asText()).startsWith("revision " + first + " again, ");

        Reply again = as(Role.OPERATOR).post("/api/v1/revisions/" + first + "/restore", "");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("unchanged").asBoolean()).isTrue();
        assertThat(again.json().path("revision").asLong()).isEqualTo(number);
    }

    @Test
    void aRestoreRefusesWhatIsNotAStoredRevision() {
        Reply missing = as(Role.OPERATOR).post("/api/v1/revisions/999999/restore", "");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.details()).containsExactly("revision 999999 does not exist");
        Reply notANumber = as(Role.OPERATOR).post("/api/v1/revisions/first/restore", "");
        assertThat(notANumber.status()).isEqualTo(400);
        assertThat(notANumber.details()).containsExactly("'first' is not a revision number");
        assertThat(as(Role.VIEWER).post("/api/v1/revisions/1/restore", "").status())
                .isEqualTo(403);
        assertThat(anonymous().post("/api/v1/revisions/1/restore", "").status()).isEqualTo(401);
        assertMethodNotAllowed(
                as(Role.OPERATOR).get("/api/v1/revisions/1/restore"), "GET", "/api/v1/revisions/1/restore", "POST");
    }

    // --- GET /api/v1/whoami

    @ParameterizedTest
    @CsvSource({"VIEWER, viewer, viewer", "OPERATOR, operator, operator", "ADMIN, initial-admin, admin"})
    void whoamiNamesTheCallersTokenAndRole(Role role, String name, String spelling) {
        Reply me = as(role).get("/api/v1/whoami");
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.body()).isEqualTo("{\n  \"name\" : \"" + name + "\",\n  \"role\" : \"" + spelling + "\"\n}\n");
        assertThat(anonymous().get("/api/v1/whoami").status()).isEqualTo(401);
        assertMethodNotAllowed(as(Role.OPERATOR).post("/api/v1/whoami", ""), "POST", "/api/v1/whoami", "GET");
    }

    // --- /api/v1/admin-tokens

    @Test
    void anAdminCreatesListsAndRevokesTokens() {
        String name = "ci-" + next();
        Reply created =
                as(Role.ADMIN).post("/api/v1/admin-tokens", "{\"name\": \"" + name + "\", \"role\": \"operator\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().path("name").asText()).isEqualTo(name);
        assertThat(created.json().path("role").asText()).isEqualTo("operator");
        String token = created.json().path("token").asText();
        assertThat(token).startsWith("tdm_");
        assertThat(withToken(token).get("/api/v1/status").status()).isEqualTo(200);

        Reply list = as(Role.ADMIN).get("/api/v1/admin-tokens");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().path("tokens"))
                .filteredOn(t -> t.path("name").asText().equals(name))
                .singleElement()
                .satisfies(t -> {
                    assertThat(t.path("role").asText()).isEqualTo("operator");
                    assertThat(t.path("createdBy").asText()).isEqualTo("initial-admin");
                    assertThat(t.path("createdAt").asText()).isNotEmpty();
                });
        assertThat(list.body()).doesNotContain(token);

        Reply revoked = as(Role.ADMIN).send("DELETE", "/api/v1/admin-tokens/" + name, Optional.empty());
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json())
                .isEqualTo(Jackson.MAPPER.createObjectNode().put("name", name).put("revoked", true));
        assertThat(withToken(token).get("/api/v1/status").status()).isEqualTo(401);
        Reply again = as(Role.ADMIN).send("DELETE", "/api/v1/admin-tokens/" + name, Optional.empty());
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("error").asText()).isEqualTo("not revoked");
        assertThat(again.details())
                .containsExactly("there is no token named '" + name + "' (tandem admin-token list shows them)");
    }

    @Test
    void tokensAreRefusedWhenTheBodyIsWrongOrTheNameTaken() {
        Reply notJson = as(Role.ADMIN).post("/api/v1/admin-tokens", "{name");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.body()).isEqualTo("""
                {
                  "error" : "invalid body",
                  "details" : [ "the body must be JSON: {\\"name\\": ..., \\"role\\": ...}" ]
                }
                """);
        Reply badRole = as(Role.ADMIN).post("/api/v1/admin-tokens", "{\"name\": \"bad name\", \"role\": \"root\"}");
        assertThat(badRole.status()).isEqualTo(400);
        assertThat(badRole.details())
                .containsExactly("name must be 1 to 100 letters, digits, '.', '_' or '-'; role one of viewer, "
                        + "operator, admin (got name 'bad name', role 'root')");
        Reply taken = as(Role.ADMIN).post("/api/v1/admin-tokens", "{\"name\": \"viewer\", \"role\": \"viewer\"}");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().path("error").asText()).isEqualTo("token exists");
    }

    @Test
    void tokensAreTheAdminsAlone() {
        Reply operator = as(Role.OPERATOR).post("/api/v1/admin-tokens", "{\"name\": \"x\", \"role\": \"admin\"}");
        assertThat(operator.status()).isEqualTo(403);
        assertThat(operator.details())
                .containsExactly("token 'operator' has role operator; POST /api/v1/admin-tokens needs admin");
        assertThat(as(Role.VIEWER).get("/api/v1/admin-tokens").status()).isEqualTo(403);
        assertThat(anonymous().get("/api/v1/admin-tokens").status()).isEqualTo(401);
        assertMethodNotAllowed(
                as(Role.ADMIN).send("PUT", "/api/v1/admin-tokens", Optional.of("{}")),
                "PUT",
                "/api/v1/admin-tokens",
                "GET, POST");
        assertMethodNotAllowed(
                as(Role.ADMIN).get("/api/v1/admin-tokens/viewer"), "GET", "/api/v1/admin-tokens/viewer", "DELETE");
    }

    @Test
    void aTokenGetsAnotherRoleButTheLastAdminKeepsItsOwn() {
        String name = "ops-" + next();
        as(Role.ADMIN).post("/api/v1/admin-tokens", "{\"name\": \"" + name + "\", \"role\": \"viewer\"}");
        Reply changed = as(Role.ADMIN).post("/api/v1/admin-tokens/" + name + "/role", "{\"role\": \"operator\"}");
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().path("role").asText()).isEqualTo("operator");
        assertThat(changed.json().path("previousRole").asText()).isEqualTo("viewer");
        Reply badRole = as(Role.ADMIN).post("/api/v1/admin-tokens/" + name + "/role", "{\"role\": \"root\"}");
        assertThat(badRole.status()).isEqualTo(400);
        assertThat(badRole.details()).containsExactly("role must be one of viewer, operator, admin (got 'root')");
        Reply notJson = as(Role.ADMIN).post("/api/v1/admin-tokens/" + name + "/role", "role: operator");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.details()).containsExactly("the body must be JSON");
        Reply last = as(Role.ADMIN).post("/api/v1/admin-tokens/initial-admin/role", "{\"role\": \"viewer\"}");
        assertThat(last.status()).isEqualTo(409);
        assertThat(last.json().path("error").asText()).isEqualTo("role not changed");
    }

    // --- GET /api/v1/audit

    @Test
    void theAuditLogShowsEveryWriteNewestFirstInPages() {
        String first = "audited-" + next();
        String second = "audited-" + next();
        as(Role.ADMIN).post("/api/v1/admin-tokens", "{\"name\": \"" + first + "\", \"role\": \"viewer\"}");
        as(Role.ADMIN).post("/api/v1/admin-tokens", "{\"name\": \"" + second + "\", \"role\": \"operator\"}");
        Reply page = as(Role.VIEWER).get("/api/v1/audit?limit=1");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.json().path("entries")).hasSize(1);
        JsonNode newest = page.json().path("entries").get(0);
        assertThat(newest.path("action").asText()).isEqualTo("admin-token-create");
        assertThat(newest.path("actor").asText()).isEqualTo("initial-admin");
        assertThat(newest.path("detail").asText()).isEqualTo("token '" + second + "' with role operator");
        assertThat(newest.path("origin").asText()).isNotEmpty();
        long before = page.json().path("next").asLong();
        assertThat(before).isEqualTo(newest.path("id").asLong());

        Reply older = as(Role.VIEWER).get("/api/v1/audit?limit=1&before=" + before);
        assertThat(older.json().path("entries")).hasSize(1);
        assertThat(older.json().path("entries").get(0).path("detail").asText())
                .isEqualTo("token '" + first + "' with role viewer");
    }

    @Test
    void theAuditLogRefusesABadQueryAndWrites() {
        Reply limit = as(Role.VIEWER).get("/api/v1/audit?limit=0");
        assertThat(limit.status()).isEqualTo(400);
        assertThat(limit.json().path("error").asText()).isEqualTo("invalid query parameter");
        assertThat(limit.details()).containsExactly("limit must be from 1 to 1000 and before at least 1");
        Reply before = as(Role.VIEWER).get("/api/v1/audit?before=yesterday");
        assertThat(before.status()).isEqualTo(400);
        assertThat(before.details()).containsExactly("before and limit must be whole numbers");
        assertThat(anonymous().get("/api/v1/audit").status()).isEqualTo(401);
        assertThat(as(Role.VIEWER)
                        .send("POST", "/api/v1/audit", Optional.of("{}"))
                        .status())
                .isEqualTo(403);
        assertMethodNotAllowed(
                as(Role.OPERATOR).send("POST", "/api/v1/audit", Optional.of("{}")), "POST", "/api/v1/audit", "GET");
    }

    private static void assertMethodNotAllowed(Reply reply, String method, String path, String allow) {
        assertThat(reply.status()).as(method + " " + path).isEqualTo(405);
        assertThat(reply.header("Allow")).hasValue(allow);
        assertThat(reply.json().path("error").asText()).isEqualTo("method not allowed");
        assertThat(reply.details()).containsExactly(method + " is not allowed on " + path + "; allowed: " + allow);
    }

    /** A PEM block as a YAML block scalar's lines under {@code certificatePem: |}. */
    private static String indent(String pem) {
        return pem.strip().lines().map(line -> "    " + line).collect(Collectors.joining("\n"));
    }

    private static int next() {
        return NAMES.incrementAndGet();
    }

    private Caller as(Role role) {
        return withToken(fixture.token(role));
    }

    private Caller withToken(String token) {
        return withHeader("Bearer " + token);
    }

    private Caller withHeader(String authorization) {
        return new Caller(Optional.of(authorization));
    }

    private Caller anonymous() {
        return new Caller(Optional.empty());
    }

    /** Calls made with one {@code Authorization} header, or none. */
    private final class Caller {

        private final Optional<String> authorization;

        Caller(Optional<String> authorization) {
            this.authorization = authorization;
        }

        Reply get(String path) {
            return send("GET", path, Optional.empty());
        }

        Reply post(String path, String body) {
            return send("POST", path, Optional.of(body));
        }

        /** @param target a path, and a query after {@code ?} (its parameters given to the client one by one) */
        Reply send(String method, String target, Optional<String> body) {
            String[] pathAndQuery = target.split("\\?", 2);
            Http1ClientRequest request = client.method(Method.create(method)).path(pathAndQuery[0]);
            if (pathAndQuery.length == 2) {
                for (String parameter : pathAndQuery[1].split("&")) {
                    String[] nameAndValue = parameter.split("=", 2);
                    request.queryParam(nameAndValue[0], nameAndValue[1]);
                }
            }
            authorization.ifPresent(value -> request.header(HeaderNames.AUTHORIZATION, value));
            try (Http1ClientResponse response = body.isPresent() ? request.submit(body.get()) : request.request()) {
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                response.headers().forEach(header -> headers.put(header.name(), header.values()));
                return new Reply(response.status().code(), headers, response.as(String.class));
            }
        }
    }

    /** An answer: its status, headers (names in any case) and body. */
    record Reply(int status, Map<String, String> headers, String body) {

        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }

        JsonNode json() {
            try {
                return Jackson.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<String> details() {
            return json().path("details").valueStream().map(JsonNode::asText).toList();
        }
    }
}
