package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.cli.TandemCommand;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.RawAdsClient;
import dev.tandem.appliance.testing.TestPki;
import dev.tandem.appliance.testing.TwoSites;
import dev.tandem.appliance.testing.XdsClientBootstrap;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NACK safety with grpc-java's real xDS client: it rejects a cluster without {@code eds_cluster_config}
 * (served through a test-only translation fault). Tandem sends the rejected version exactly once, the
 * client keeps routing with what it had, other groups are untouched, and a group that halts on NACK
 * keeps the revision from nodes that do not have it until the next revision.
 */
class NackIT {

    private static final String CONFIG = """
            kind: Gateway
            metadata: {name: mesh}
            spec: {nodeGroup: grpc-clients, dataPlane: proxyless-grpc%s}
            ---
            kind: Gateway
            metadata: {name: edge}
            spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}]}
            ---
            kind: Route
            metadata: {name: greeter}
            spec: {gateways: [mesh, edge], hosts: [greeter], to: {failoverScheme: greeter}}
            ---
            %s---
            kind: FailoverScheme
            metadata: {name: greeter}
            spec: {primary: site-a, failover: [site-b]}
            """;

    @TempDir
    Path dir;

    /** While set, the proxyless group's clusters lose eds_cluster_config: grpc-java rejects that. */
    private final AtomicBoolean breakClusters = new AtomicBoolean();
    /** While set, the proxyless group's snapshot cannot be set: its publish fails (and is retried). */
    private final AtomicBoolean failPublish = new AtomicBoolean();

    private TwoSites sites;
    private Appliance appliance;
    private AdminHttp admin;

    @BeforeEach
    void start() throws Exception {
        sites = new TwoSites();
        UnaryOperator<GroupResources> fault = resources -> !breakClusters.get()
                        || !resources.nodeGroup().equals("grpc-clients")
                ? resources
                : new GroupResources(
                        resources.nodeGroup(),
                        resources.listeners(),
                        resources.routes(),
                        resources.clusters().stream()
                                .map(c -> c.toBuilder().clearEdsClusterConfig().build())
                                .toList(),
                        resources.endpoints(),
                        resources.secrets(),
                        resources.rollout());
        appliance = Appliance.start(
                new ApplianceConfig(
                                "nack-it",
                                dir.resolve("data"),
                                new ApplianceConfig.Endpoint("127.0.0.1", 0),
                                new ApplianceConfig.Endpoint("127.0.0.1", XdsClientBootstrap.xdsPort()),
                                Optional.empty())
                        .withPki(TestPki.settings("nack-it")),
                fault,
                group -> {
                    if (failPublish.get() && group.equals("grpc-clients")) {
                        throw new IllegalStateException("a stream of grpc-clients could not be written");
                    }
                });
        admin = AdminHttp.withTokenFrom(appliance.adminPort(), dir.resolve("data"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        appliance.close();
        sites.close();
    }

    private Cli.Result doctor() {
        return Cli.against(admin, dir.resolve("data/admin-token"), "doctor");
    }

    @Test
    void aRejectedVersionIsSentOnceAndTheClientKeepsItsConfig() throws Exception {
        apply("", "1s");
        connectClient();
        String goodClusters = client().path("acked").path("clusters").asText();
        Cli.Result healthy = doctor();
        assertThat(healthy.exit()).as(healthy.out() + healthy.err()).isZero();
        assertThat(healthy.out()).contains("healthy: 1 peer(s) of cluster").doesNotContain("PROBLEM", "WARNING");

        breakClusters.set(true);
        apply("", "2s"); // changes only the clusters, which the client rejects
        await().atMost(Duration.ofSeconds(20))
                .until(() -> client().path("nacks").asLong() >= 1);
        JsonNode nack = client().path("lastNack");
        assertThat(nack.path("type").asText()).isEqualTo("clusters");
        assertThat(nack.path("rejectedVersion").asText())
                .isEqualTo(groupVersions("grpc-clients").path("clusters").asText());
        assertThat(nack.path("detail").asText()).isNotBlank();

        // java-control-plane alone re-sends it thousands of times a second: the count must stay at one.
        await().during(Duration.ofMillis(1500))
                .atMost(Duration.ofSeconds(3))
                .until(() -> client().path("nacks").asLong() == 1);
        assertThat(client().path("acked").path("clusters").asText()).isEqualTo(goodClusters);
        for (int i = 0; i < 10; i++) {
            assertThat(sites.call()).isEqualTo("site-a");
        }

        // Another node group is untouched: it receives its config and is not halted.
        try (RawAdsClient envoy = new RawAdsClient(appliance.xdsPort(), "envoy-1", "edge")) {
            envoy.sendSotw(DiscoveryRequest.newBuilder()
                    .setNode(envoy.node())
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .build());
            assertThat(envoy.nextSotw().getVersionInfo())
                    .isEqualTo(groupVersions("edge").path("clusters").asText());
        }
        assertThat(group("edge").path("rollout").path("halted").isNull()).isTrue();
        String metrics = admin.get("/metrics").body();
        assertThat(metrics)
                .contains("tandem_xds_nacks_total 1.0")
                .contains("tandem_revision 2.0")
                .contains("tandem_rollout_halted{node_group=\"grpc-clients\"} 0.0")
                .contains("tandem_xds_data_planes{node_group=\"grpc-clients\"} 1.0");

        // The next revision that changes the clusters reaches the client, which accepts it.
        breakClusters.set(false);
        apply("", "3s");
        String fixed = groupVersions("grpc-clients").path("clusters").asText();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> client().path("acked").path("clusters").asText().equals(fixed));
        assertThat(client().path("nacks").asLong()).isEqualTo(1);
    }

    @Test
    void aGroupThatHaltsOnNackKeepsTheRevisionFromNodesThatLackIt() throws Exception {
        String halting = ", rollout: {haltOnNack: true}";
        apply(halting, "1s");
        connectClient();

        breakClusters.set(true);
        apply(halting, "2s");
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        !group("grpc-clients").path("rollout").path("halted").isNull());
        JsonNode halted = group("grpc-clients").path("rollout").path("halted");
        assertThat(halted.path("revision").asLong()).isEqualTo(2);
        assertThat(halted.path("nodeId").asText()).isEqualTo(XdsClientBootstrap.NODE_ID);
        assertThat(halted.path("type").asText()).isEqualTo("clusters");
        assertThat(admin.get("/metrics").body()).contains("tandem_rollout_halted{node_group=\"grpc-clients\"} 1.0");
        // tandem doctor names both: the halt (an error) and the rejection (a warning), each with what to do.
        Cli.Result doctor = doctor();
        assertThat(doctor.exit()).as(doctor.out() + doctor.err()).isEqualTo(TandemCommand.UNHEALTHY);
        assertThat(doctor.out())
                .contains("PROBLEM nack-it: rollout: node group grpc-clients: the rollout of revision 2 is halted ("
                        + XdsClientBootstrap.NODE_ID + " rejected it) -> apply a fixed config")
                .contains("WARNING nack-it: nack: data plane " + XdsClientBootstrap.NODE_ID
                        + " (group grpc-clients) rejected clusters: ")
                .contains("UNHEALTHY");

        // A node of the group that does not have revision 2 yet does not get it.
        try (RawAdsClient late = new RawAdsClient(appliance.xdsPort(), "late-1", "grpc-clients")) {
            late.sendSotw(DiscoveryRequest.newBuilder()
                    .setNode(late.node())
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .addResourceNames("failover:greeter")
                    .build());
            assertThat(late.pollSotw(Duration.ofSeconds(1)))
                    .as("response while halted")
                    .isEmpty();

            // A revision that could not be published to the group does not lift the halt.
            breakClusters.set(false);
            failPublish.set(true);
            apply(halting, "3s");
            assertThat(late.pollSotw(Duration.ofSeconds(1)))
                    .as("response after a revision that did not reach the group")
                    .isEmpty();
            assertThat(group("grpc-clients")
                            .path("rollout")
                            .path("halted")
                            .path("revision")
                            .asLong())
                    .isEqualTo(2);

            // Its retry, once it succeeds, lifts the halt: the waiting node gets it, and so does the client.
            failPublish.set(false);
            Cluster cluster = late.nextSotw().getResources(0).unpack(Cluster.class);
            assertThat(cluster.getConnectTimeout().getSeconds()).isEqualTo(3);
        }
        assertThat(group("grpc-clients").path("rollout").path("halted").isNull())
                .isTrue();
        String fixed = groupVersions("grpc-clients").path("clusters").asText();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> client().path("acked").path("clusters").asText().equals(fixed));
    }

    private void connectClient() {
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> sites.call().equals("site-a"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client().path("acked").size() == 4);
    }

    private void apply(String rollout, String connectTimeout) {
        assertThat(admin.post(
                                "/api/v1/apply",
                                CONFIG.formatted(
                                        rollout, sites.upstreams("  connectTimeout: " + connectTimeout + "\n")))
                        .status())
                .isEqualTo(201);
    }

    private JsonNode group(String name) {
        return admin.get("/api/v1/status").json().path("nodeGroups").path(name);
    }

    private JsonNode groupVersions(String name) {
        return group(name).path("versions");
    }

    private JsonNode client() {
        return admin.dataPlane(XdsClientBootstrap.NODE_ID);
    }
}
