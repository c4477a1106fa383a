package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.RawAdsClient;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A push carries only the types that changed: per-type content-hash versions, seen from a data plane. */
class PushesIT {

    private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    private static final String RDS = Resources.V3.ROUTE_TYPE_URL;
    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;

    private static final String CONFIG = """
            kind: Gateway
            metadata: {name: edge}
            spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}]}
            ---
            kind: Route
            metadata: {name: orders}
            spec: {gateways: [edge], hosts: [orders.example.com], match: {pathPrefix: /orders}, to: {upstream: a}}
            ---
            kind: Upstream
            metadata: {name: a}
            spec: {endpoints: [{address: 10.0.0.1, port: 8080}]}
            """;

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("pushes-it").applying(CONFIG);

    private AdminHttp admin;

    @BeforeEach
    void start() {
        admin = node.admin();
    }

    @Test
    void eachChangePushesOnlyItsTypeAndAnIdenticalApplyPushesNothing() throws Exception {
        try (RawAdsClient envoy = new RawAdsClient(node.xdsPort(), "envoy-1", "edge")) {
            envoy.subscribeAndAck(
                    Map.of(LDS, List.of(), RDS, List.of("edge"), CDS, List.of(), EDS, List.of("upstream:a")));
            // The initial exchange settles first (java-control-plane may answer EDS twice around a CDS push).
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> counts(envoy).stream().allMatch(n -> n >= 1));
            List<Integer> base = settled(envoy);

            apply(CONFIG.replace("10.0.0.1", "10.0.0.2"));
            await().atMost(Duration.ofSeconds(10)).until(() -> envoy.responses(EDS) == base.get(3) + 1);
            // Anything else would have come with it: LDS, RDS, CDS, EDS responses stay as they are.
            assertStays(envoy, plus(base, 0, 0, 0, 1));

            apply(CONFIG.replace("10.0.0.1", "10.0.0.2").replace("pathPrefix: /orders", "pathPrefix: /orders/v1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> envoy.responses(RDS) == base.get(1) + 1);
            assertStays(envoy, plus(base, 0, 1, 0, 1));

            String body =
                    CONFIG.replace("10.0.0.1", "10.0.0.2").replace("pathPrefix: /orders", "pathPrefix: /orders/v1");
            assertThat(admin.post("/api/v1/apply", "# same config, new comment\n" + body)
                            .json()
                            .path("unchanged")
                            .asBoolean())
                    .isTrue();
            assertStays(envoy, plus(base, 0, 1, 0, 1));
        }
    }

    /**
     * State of the world, per resource: an endpoint move sends only its assignment, and a data plane
     * that reconnects saying what it has is sent nothing again.
     */
    @Test
    void anEndpointMoveSendsOnlyItsAssignmentAndAReconnectNothing() throws Exception {
        String two = CONFIG + """
                ---
                kind: Route
                metadata: {name: billing}
                spec: {gateways: [edge], hosts: [billing.example.com], to: {upstream: b}}
                ---
                kind: Upstream
                metadata: {name: b}
                spec: {endpoints: [{address: 10.0.0.7, port: 8080}]}
                """;
        apply(two);
        List<String> assignments = List.of("upstream:a", "upstream:b");
        String version;
        try (RawAdsClient envoy = new RawAdsClient(node.xdsPort(), "envoy-2", "edge")) {
            envoy.sendSotw(DiscoveryRequest.newBuilder()
                    .setNode(envoy.node())
                    .setTypeUrl(EDS)
                    .addAllResourceNames(assignments)
                    .build());
            DiscoveryResponse first = envoy.nextSotw();
            assertThat(names(first)).containsExactlyElementsOf(assignments);
            envoy.sendSotw(ack(first, assignments));

            apply(two.replace("10.0.0.1", "10.0.0.2"));
            DiscoveryResponse moved = envoy.nextSotw();
            assertThat(names(moved)).containsExactly("upstream:a");
            envoy.sendSotw(ack(moved, assignments));
            version = moved.getVersionInfo();
            envoy.cancelStreams();
        }
        try (RawAdsClient again = new RawAdsClient(node.xdsPort(), "envoy-2", "edge")) {
            again.sendSotw(DiscoveryRequest.newBuilder()
                    .setNode(again.node())
                    .setTypeUrl(EDS)
                    .addAllResourceNames(assignments)
                    .setVersionInfo(version)
                    .build());
            assertThat(again.pollSotw(Duration.ofSeconds(1)))
                    .as("re-sent although it has it")
                    .isEmpty();
            apply(two.replace("10.0.0.1", "10.0.0.2").replace("10.0.0.7", "10.0.0.8"));
            assertThat(names(again.nextSotw())).containsExactly("upstream:b");
            again.cancelStreams();
        }
    }

    private static DiscoveryRequest ack(DiscoveryResponse response, List<String> names) {
        return DiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .addAllResourceNames(names)
                .setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce())
                .build();
    }

    private static List<String> names(DiscoveryResponse response) throws Exception {
        List<String> names = new ArrayList<>();
        for (com.google.protobuf.Any any : response.getResourcesList()) {
            names.add(any.unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class)
                    .getClusterName());
        }
        return names;
    }

    private void apply(String yaml) {
        assertThat(admin.post("/api/v1/apply", yaml).status()).isEqualTo(201);
    }

    /** The counts once they have not changed for half a second. */
    private static List<Integer> settled(RawAdsClient client) {
        AtomicReference<List<Integer>> seen = new AtomicReference<>(counts(client));
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> seen.getAndSet(counts(client)).equals(seen.get()));
        return seen.get();
    }

    private static List<Integer> plus(List<Integer> base, int lds, int rds, int cds, int eds) {
        return List.of(base.get(0) + lds, base.get(1) + rds, base.get(2) + cds, base.get(3) + eds);
    }

    private static void assertStays(RawAdsClient client, List<Integer> expected) {
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(2))
                .until(() -> counts(client).equals(expected));
    }

    private static List<Integer> counts(RawAdsClient client) {
        return List.of(client.responses(LDS), client.responses(RDS), client.responses(CDS), client.responses(EDS));
    }
}
