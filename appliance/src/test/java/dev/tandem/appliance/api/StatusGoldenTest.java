package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.auth.Role;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/status} of a known appliance, byte for byte as {@code golden/status.json}: two
 * node groups from one apply (one halting its rollout on a NACK), both exported, no data plane
 * connected. The status is what scripts and {@code tandem status -o json} read, so a field renamed,
 * moved or rendered otherwise shows here.
 *
 * <p>Volatile values: every time comes from a fixed clock ({@link #NOW}), so times are compared as they
 * are; versions are content hashes of the translated config, the same on every run. The one value that
 * differs between runs is the data folder (a new temporary folder), which the export store's
 * description names: it is replaced by {@code <dataDir>} before the comparison, and must occur exactly
 * once. Regenerate with
 * {@code ./mvnw -B -o -pl appliance -am test -Dtest=StatusGoldenTest -Dsurefire.failIfNoSpecifiedTests=false -Dgolden.update=true}
 * and review the diff.
 */
@RoutingTest
class StatusGoldenTest extends AdminApiTestBase {

    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private static final Path GOLDEN = Path.of("src/test/resources/golden/status.json");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final String CONFIG = """
            kind: Gateway
            metadata: {name: edge}
            spec:
              nodeGroup: edge
              listeners: [{name: http, port: 10000}]
              rollout: {haltOnNack: true}
            ---
            kind: Gateway
            metadata: {name: internal}
            spec: {nodeGroup: internal, listeners: [{name: http, port: 10001}]}
            ---
            kind: Route
            metadata: {name: orders}
            spec: {gateways: [edge, internal], hosts: [orders.example.com], to: {failoverScheme: orders}}
            ---
            kind: Upstream
            metadata: {name: orders-a}
            spec: {endpoints: [{address: 127.0.0.1, port: 9001, locality: {region: a}}]}
            ---
            kind: Upstream
            metadata: {name: orders-b}
            spec: {endpoints: [{address: 127.0.0.1, port: 9002, locality: {region: b}}]}
            ---
            kind: FailoverScheme
            metadata: {name: orders}
            spec: {primary: orders-a, failover: [orders-b]}
            """;

    StatusGoldenTest(DirectClient client) {
        super(client);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws Exception {
        serve(routing, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void theStatusOfAKnownApplianceIsTheGoldenFile() throws Exception {
        String operator = "Bearer " + fixture.token(Role.OPERATOR);
        try (Http1ClientResponse applied = client.post("/api/v1/apply")
                .header(HeaderNames.AUTHORIZATION, operator)
                .submit(CONFIG)) {
            assertThat(applied.status().code()).as(applied.as(String.class)).isEqualTo(201);
        }
        // Waits for the export of both groups, so that the status shows them exported.
        try (Http1ClientResponse exported = client.post("/api/v1/export")
                .header(HeaderNames.AUTHORIZATION, operator)
                .request()) {
            assertThat(exported.status().code()).as(exported.as(String.class)).isEqualTo(200);
        }

        String status;
        try (Http1ClientResponse response = client.get("/api/v1/status")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + fixture.token(Role.VIEWER))
                .request()) {
            assertThat(response.status().code()).isEqualTo(200);
            status = response.as(String.class);
        }
        String dataDir = fixture.dataDir().toString();
        assertThat(status.split(Pattern.quote(dataDir), -1))
                .as("occurrences of the data folder %s in %s", dataDir, status)
                .hasSize(2);
        String rendered = status.replace(dataDir, "<dataDir>");
        if (UPDATE) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, rendered);
        }
        assertThat(GOLDEN)
                .as("the golden file (regenerate with -Dgolden.update=true)")
                .exists();
        assertThat(rendered).isEqualTo(Files.readString(GOLDEN));
    }
}
