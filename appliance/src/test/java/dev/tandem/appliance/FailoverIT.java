package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.cli.TandemCommand;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.RunningAppliance;
import dev.tandem.appliance.testing.TwoSites;
import dev.tandem.appliance.testing.XdsClientBootstrap;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation end to end: the appliance serves a failover scheme to grpc-java's real xDS client
 * (proxyless), which routes to the primary site, fails over when it dies, returns when it comes back,
 * follows a config applied with {@code tandem apply}, and keeps working across an appliance restart
 * without being sent a new version of anything unchanged.
 */
class FailoverIT {

    @TempDir
    Path dir;

    private TwoSites sites;
    private RunningAppliance appliance;

    @BeforeEach
    void start() throws Exception {
        sites = new TwoSites();
        appliance = RunningAppliance.start("it-node", dir, XdsClientBootstrap.xdsPort());
    }

    @AfterEach
    void stop() throws InterruptedException {
        appliance.close();
        sites.close();
    }

    @Test
    void routesFailsOverFollowsAppliesAndSurvivesARestart() throws Exception {
        AdminHttp admin = appliance.admin();
        assertThat(admin.post("/api/v1/apply", gateway("site-a", "site-b")).status())
                .isEqualTo(201);

        // All calls go to the primary.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call().equals("site-a"));
        for (int i = 0; i < 20; i++) {
            assertThat(call()).isEqualTo("site-a");
        }

        // The primary dies: calls move to the failover site (priority 1).
        long stoppedAt = System.nanoTime();
        sites.stopA();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .ignoreExceptions()
                .until(() -> call().equals("site-b"));
        long failoverMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
        System.out.println("MEASURED failover to priority 1 after the primary stopped: " + failoverMillis + " ms");
        for (int i = 0; i < 20; i++) {
            assertThat(call()).isEqualTo("site-b");
        }

        // The primary returns: calls return to it.
        long restartedAt = System.nanoTime();
        sites.restartA();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .ignoreExceptions()
                .until(() -> call().equals("site-a"));
        System.out.println("MEASURED failback to priority 0 after the primary restarted: "
                + (System.nanoTime() - restartedAt) / 1_000_000 + " ms");

        // An operator swaps the order with `tandem apply`: the client follows.
        Path changed = dir.resolve("swapped.yaml");
        Files.writeString(changed, gateway("site-b", "site-a"));
        StringWriter out = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .execute(
                        "apply",
                        "-f",
                        changed.toString(),
                        "--ca-file",
                        dev.tandem.appliance.testing.TestPki.caFile().toString(),
                        "--server",
                        admin.base(),
                        "--token-file",
                        appliance.tokenFile().toString());
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("as revision 2");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call().equals("site-b"));

        // The appliance restarts; the client keeps calling throughout.
        JsonNode before = connectedClient(admin).orElseThrow();
        JsonNode versionsBefore = admin.get("/api/v1/status")
                .json()
                .path("nodeGroups")
                .path("grpc-clients")
                .path("versions");
        AtomicBoolean calling = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        Thread caller = new Thread(() -> {
            while (calling.get()) {
                try {
                    if (call().equals("site-b")) {
                        successes.incrementAndGet();
                    } else {
                        failures.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            }
        });
        caller.start();
        appliance.stop();
        int duringOutage = successes.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> successes.get() > duringOutage + 10);
        appliance.start();
        // On another admin port: only the xDS port (the client's bootstrap) is kept across the restart.
        AdminHttp restarted = appliance.admin();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> connectedClient(restarted).isPresent());
        calling.set(false);
        caller.join();
        assertThat(failures.get())
                .as("failed calls while the appliance restarted")
                .isZero();
        assertThat(successes.get()).isGreaterThan(duringOutage);

        // Same revision served, same versions: the reconnected client ACKs exactly what it had.
        JsonNode status = restarted.get("/api/v1/status").json();
        assertThat(status.path("revision").asLong()).isEqualTo(2);
        assertThat(status.path("nodeGroups").path("grpc-clients").path("versions"))
                .isEqualTo(versionsBefore);
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        connectedClient(restarted).orElseThrow().path("acked").size() == 4);
        assertThat(connectedClient(restarted).orElseThrow().path("acked")).isEqualTo(before.path("acked"));
        assertThat(call()).isEqualTo("site-b");
    }

    /**
     * grpc-java subscribes to the clusters its routes use, by name: a route moved to a cluster the
     * group already served (the clusters' version does not change) must still bring that cluster.
     */
    @Test
    void aRouteMovedToAClusterTheGroupAlreadyServedIsFollowed() throws Exception {
        String config = """
                kind: Gateway
                metadata: {name: mesh}
                spec: {nodeGroup: grpc-clients, dataPlane: proxyless-grpc}
                ---
                kind: Route
                metadata: {name: greeter}
                spec: {gateways: [mesh], hosts: [greeter], match: {pathPrefix: /tandem.test.Site/}, to: {upstream: %s}}
                ---
                kind: Route
                metadata: {name: other}
                spec: {gateways: [mesh], hosts: [other], to: {upstream: site-b}}
                ---
                kind: Route
                metadata: {name: third}
                spec: {gateways: [mesh], hosts: [third], to: {upstream: site-a}}
                ---
                """ + sites.upstreams("");
        AdminHttp admin = appliance.admin();
        assertThat(admin.post("/api/v1/apply", config.formatted("site-a")).status())
                .isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call().equals("site-a"));
        String clusters = admin.get("/api/v1/status")
                .json()
                .path("nodeGroups")
                .path("grpc-clients")
                .path("versions")
                .path("clusters")
                .asText();

        assertThat(admin.post("/api/v1/apply", config.formatted("site-b")).status())
                .isEqualTo(201);
        assertThat(admin.get("/api/v1/status")
                        .json()
                        .path("nodeGroups")
                        .path("grpc-clients")
                        .path("versions")
                        .path("clusters")
                        .asText())
                .as("same clusters, only the route changed")
                .isEqualTo(clusters);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call().equals("site-b"));
    }

    @Test
    void drainingThePrimaryMovesCallsToTheFailoverSiteWhileItStillRuns() throws Exception {
        AdminHttp admin = appliance.admin();
        assertThat(admin.post("/api/v1/apply", gateway("site-a", "site-b")).status())
                .isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call().equals("site-a"));

        // EDS health status: grpc-java sends nothing to a DRAINING endpoint, so priority 0 is empty.
        String drained = gateway("site-a", "site-b")
                .replace("locality: {region: site-a}}", "locality: {region: site-a}, drain: true}");
        assertThat(admin.post("/api/v1/apply", drained).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call().equals("site-b"));
        for (int i = 0; i < 20; i++) {
            assertThat(call()).isEqualTo("site-b");
        }

        assertThat(admin.post("/api/v1/apply", gateway("site-a", "site-b")).status())
                .isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call().equals("site-a"));
    }

    private String gateway(String primary, String failover) {
        return sites.greeter(primary, failover);
    }

    private String call() {
        return sites.call();
    }

    private static Optional<JsonNode> connectedClient(AdminHttp admin) {
        JsonNode plane = admin.dataPlane(XdsClientBootstrap.NODE_ID);
        return plane.isMissingNode() ? Optional.empty() : Optional.of(plane);
    }
}
