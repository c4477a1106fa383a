package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.rpc.Status;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.RawAdsClient;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ADS on the wire: Delta as well as state-of-the-world, a NACK as an operator sees it in status,
 * and a data plane leaving the status list when it closes its stream.
 */
class XdsProtocolsIT {

    private static final String CONFIG = dev.tandem.appliance.testing.Gateways.MESH;

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("protocols-it").applying(CONFIG);

    private AdminHttp admin;

    @BeforeEach
    void start() {
        admin = node.admin();
    }

    @Test
    void theXdsPortAnswersGrpcHealthWhileServing() throws Exception {
        io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                        "127.0.0.1",
                        node.xdsPort(),
                        dev.tandem.appliance.testing.TestPki.dataPlane("prober", "mesh")
                                .credentials())
                .build();
        try {
            var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel);
            assertThat(health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance())
                            .getStatus())
                    .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
            assertThat(health.check(io.grpc.health.v1.HealthCheckRequest.newBuilder()
                                    .setService("envoy.service.discovery.v3.AggregatedDiscoveryService")
                                    .build())
                            .getStatus())
                    .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void deltaAdsServesAndRecordsTheAck() throws Exception {
        String listenersVersion = groupVersions().path("listeners").asText();
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "delta-1", "mesh")) {
            client.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(client.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNamesSubscribe("greeter")
                    .build());
            DeltaDiscoveryResponse response = client.nextDelta();
            assertThat(response.getSystemVersionInfo()).isEqualTo(listenersVersion);
            assertThat(response.getResourcesList()).singleElement().satisfies(r -> {
                assertThat(r.getName()).isEqualTo("greeter");
                assertThat(r.getResource().unpack(Listener.class).hasApiListener())
                        .isTrue();
            });
            client.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .setResponseNonce(response.getNonce())
                    .build());

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dataPlane("delta-1").path("acked").has("listeners"));
            JsonNode plane = dataPlane("delta-1");
            assertThat(plane.path("protocol").asText()).isEqualTo("delta");
            assertThat(plane.path("nodeGroup").asText()).isEqualTo("mesh");
            assertThat(plane.path("acked").path("listeners").asText()).isEqualTo(listenersVersion);
            client.cancelStreams();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dataPlane("delta-1").isMissingNode());
        }
    }

    @Test
    void aNackIsShownWithItsDetail() throws Exception {
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "sotw-1", "mesh")) {
            client.sendSotw(DiscoveryRequest.newBuilder()
                    .setNode(client.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNames("greeter")
                    .build());
            DiscoveryResponse response = client.nextSotw();
            client.sendSotw(DiscoveryRequest.newBuilder()
                    .setNode(client.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNames("greeter")
                    .setResponseNonce(response.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3).setMessage("listener greeter: unsupported thing"))
                    .build());

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !dataPlane("sotw-1").path("lastNack").isNull()
                            && !dataPlane("sotw-1").path("lastNack").isMissingNode());
            JsonNode nack = dataPlane("sotw-1").path("lastNack");
            assertThat(nack.path("type").asText()).isEqualTo("listeners");
            assertThat(nack.path("rejectedVersion").asText()).isEqualTo(response.getVersionInfo());
            assertThat(nack.path("detail").asText()).isEqualTo("listener greeter: unsupported thing");
            assertThat(dataPlane("sotw-1").path("protocol").asText()).isEqualTo("sotw");
            client.cancelStreams();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dataPlane("sotw-1").isMissingNode());
        }
    }

    @Test
    void aDataPlaneWhoseConnectionDiesNeitherLingersNorBlocksPushesToOthers() throws Exception {
        try (RawAdsClient dying = new RawAdsClient(node.xdsPort(), "dying-1", "mesh");
                RawAdsClient living = new RawAdsClient(node.xdsPort(), "living-1", "mesh")) {
            for (RawAdsClient client : new RawAdsClient[] {dying, living}) {
                // Wildcard LDS: the client gets every listener of its group.
                client.sendSotw(DiscoveryRequest.newBuilder()
                        .setNode(client.node())
                        .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                        .build());
                DiscoveryResponse first = client.nextSotw();
                assertThat(first.getResourcesCount()).isEqualTo(1);
                client.sendSotw(DiscoveryRequest.newBuilder()
                        .setNode(client.node())
                        .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                        .setVersionInfo(first.getVersionInfo())
                        .setResponseNonce(first.getNonce())
                        .build());
            }
            // The process of one data plane dies: its connection closes without cancelling the stream.
            dying.close();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dataPlane("dying-1").isMissingNode());

            assertThat(admin.post("/api/v1/apply", CONFIG.replace("hosts: [greeter]", "hosts: [greeter, hello]"))
                            .status())
                    .isEqualTo(201);
            DiscoveryResponse pushed = living.nextSotw();
            assertThat(pushed.getResourcesCount()).isEqualTo(2);
            assertThat(dataPlane("living-1").isMissingNode()).isFalse();
        }
    }

    @Test
    void aRejectedVersionIsNotSentAgainNeitherOnTheStreamNorAfterAReconnect() throws Exception {
        DiscoveryRequest.Builder lds = DiscoveryRequest.newBuilder().setTypeUrl(Resources.V3.LISTENER_TYPE_URL);
        String accepted;
        String rejected;
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "picky-1", "mesh")) {
            client.sendSotw(lds.clone().setNode(client.node()).build());
            DiscoveryResponse first = client.nextSotw();
            accepted = first.getVersionInfo();
            client.sendSotw(lds.clone()
                    .setNode(client.node())
                    .setVersionInfo(accepted)
                    .setResponseNonce(first.getNonce())
                    .build());
            apply(CONFIG.replace("hosts: [greeter]", "hosts: [greeter, hello]"));
            DiscoveryResponse second = client.nextSotw();
            rejected = second.getVersionInfo();
            client.sendSotw(lds.clone()
                    .setNode(client.node())
                    .setVersionInfo(accepted)
                    .setResponseNonce(second.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3).setMessage("no thanks"))
                    .build());
            assertThat(client.pollSotw(Duration.ofSeconds(1)))
                    .as("re-sent after the NACK")
                    .isEmpty();
            client.cancelStreams();
        }
        // The node reconnects with the version it accepted: the rejected one is not offered again.
        try (RawAdsClient again = new RawAdsClient(node.xdsPort(), "picky-1", "mesh")) {
            again.sendSotw(
                    lds.clone().setNode(again.node()).setVersionInfo(accepted).build());
            assertThat(again.pollSotw(Duration.ofSeconds(1)))
                    .as("sent after reconnecting")
                    .isEmpty();
            again.cancelStreams();
        }
        // A new process of the node (nothing accepted yet) may try it once; its NACK holds it again.
        try (RawAdsClient restarted = new RawAdsClient(node.xdsPort(), "picky-1", "mesh")) {
            restarted.sendSotw(lds.clone().setNode(restarted.node()).build());
            DiscoveryResponse once = restarted.nextSotw();
            assertThat(once.getVersionInfo()).isEqualTo(rejected);
            restarted.sendSotw(lds.clone()
                    .setNode(restarted.node())
                    .setResponseNonce(once.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3).setMessage("still no"))
                    .build());
            assertThat(restarted.pollSotw(Duration.ofSeconds(1)))
                    .as("re-sent after the new process's NACK")
                    .isEmpty();
            // The next version of the type is sent.
            apply(CONFIG.replace("hosts: [greeter]", "hosts: [greeter, hello, hi]"));
            assertThat(restarted.nextSotw().getVersionInfo()).isNotEqualTo(rejected);
            restarted.cancelStreams();
        }
    }

    @Test
    void aDeltaNackOfRoutesIsNotAnsweredWithTheSameRoutes() throws Exception {
        // Delta clients present the version last sent, which after a NACK is the rejected one.
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "delta-routes", "mesh")) {
            client.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(client.node())
                    .setTypeUrl(Resources.V3.ROUTE_TYPE_URL)
                    .addResourceNamesSubscribe("greeter")
                    .build());
            DeltaDiscoveryResponse routes = client.nextDelta();
            assertThat(routes.getResourcesCount()).isEqualTo(1);
            client.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setTypeUrl(Resources.V3.ROUTE_TYPE_URL)
                    .setResponseNonce(routes.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3).setMessage("bad route"))
                    .build());
            assertThat(client.pollDelta(Duration.ofSeconds(1)))
                    .as("re-sent after the NACK")
                    .isEmpty();
            assertThat(dataPlane("delta-routes").path("nacks").asLong()).isEqualTo(1);
            client.cancelStreams();
        }
    }

    private void apply(String yaml) {
        assertThat(admin.post("/api/v1/apply", yaml).status()).isEqualTo(201);
    }

    @Test
    void aClientThatNamesItsNodeOnlyOnceIsServedThroughout() throws Exception {
        // grpc-js, and Envoy with set_node_on_first_message_only, omit the node after the first request.
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "terse-1", "mesh")) {
            client.sendSotw(DiscoveryRequest.newBuilder()
                    .setNode(client.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNames("greeter")
                    .build());
            DiscoveryResponse lds = client.nextSotw();
            client.sendSotw(DiscoveryRequest.newBuilder()
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNames("greeter")
                    .setVersionInfo(lds.getVersionInfo())
                    .setResponseNonce(lds.getNonce())
                    .build());
            client.sendSotw(DiscoveryRequest.newBuilder()
                    .setTypeUrl(Resources.V3.ROUTE_TYPE_URL)
                    .addResourceNames("greeter")
                    .build());
            DiscoveryResponse rds = client.nextSotw();
            assertThat(rds.getTypeUrl()).isEqualTo(Resources.V3.ROUTE_TYPE_URL);
            assertThat(rds.getVersionInfo())
                    .isEqualTo(groupVersions().path("routes").asText());
            client.cancelStreams();
        }
    }

    /**
     * A Delta client that reconnects says what it has ({@code initial_resource_versions}): nothing it
     * has is sent again, and a later change sends only what changed.
     */
    @Test
    void aReconnectingDeltaClientIsSentOnlyWhatItDoesNotHave() throws Exception {
        apply(CONFIG
                + "---\nkind: Route\nmetadata: {name: other}\nspec: {gateways: [mesh], hosts: [other], to: {upstream: b}}\n"
                + "---\nkind: Upstream\nmetadata: {name: b}\nspec: {endpoints: [{address: 127.0.0.1, port: 9002}]}\n");
        Map<String, String> had = new HashMap<>();
        try (RawAdsClient first = new RawAdsClient(node.xdsPort(), "delta-back", "mesh")) {
            first.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(first.node())
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .build());
            DeltaDiscoveryResponse clusters = first.nextDelta();
            clusters.getResourcesList().forEach(r -> had.put(r.getName(), r.getVersion()));
            first.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .setResponseNonce(clusters.getNonce())
                    .build());
            assertThat(had).hasSize(2);
        }
        try (RawAdsClient again = new RawAdsClient(node.xdsPort(), "delta-back", "mesh")) {
            again.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(again.node())
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .putAllInitialResourceVersions(had)
                    .build());
            assertThat(again.pollDelta(Duration.ofSeconds(1)))
                    .as("nothing it has is sent again")
                    .isEmpty();

            // One upstream changes: only its cluster is sent, and only once.
            apply(
                    CONFIG
                            + "---\nkind: Route\nmetadata: {name: other}\nspec: {gateways: [mesh], hosts: [other], to: {upstream: b}}\n"
                            + "---\nkind: Upstream\nmetadata: {name: b}\nspec: {connectTimeout: 3s, endpoints: [{address: 127.0.0.1, port: 9002}]}\n");
            DeltaDiscoveryResponse changed = again.nextDelta();
            assertThat(changed.getResourcesList())
                    .singleElement()
                    .satisfies(r -> assertThat(r.getName()).isEqualTo("upstream:b"));
            again.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .setResponseNonce(changed.getNonce())
                    .build());
            // A later change of the other one sends that one only (the first is known, though this stream never sent
            // it).
            apply(
                    CONFIG.replace(
                                    "spec: {endpoints: [{address: 127.0.0.1, port: 9001}]}",
                                    "spec: {connectTimeout: 4s, endpoints: [{address: 127.0.0.1, port: 9001}]}")
                            + "---\nkind: Route\nmetadata: {name: other}\nspec: {gateways: [mesh], hosts: [other], to: {upstream: b}}\n"
                            + "---\nkind: Upstream\nmetadata: {name: b}\nspec: {connectTimeout: 3s, endpoints: [{address: 127.0.0.1, port: 9002}]}\n");
            DeltaDiscoveryResponse next = again.nextDelta();
            assertThat(next.getResourcesList()).extracting(r -> r.getName()).containsExactly("upstream:a");
        }
    }

    @Test
    void aDeltaNackIsNotAnsweredWithTheSameResources() throws Exception {
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "delta-picky", "mesh")) {
            client.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(client.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNamesSubscribe("greeter")
                    .build());
            DeltaDiscoveryResponse response = client.nextDelta();
            client.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .setResponseNonce(response.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3).setMessage("no thanks"))
                    .build());
            assertThat(client.pollDelta(Duration.ofSeconds(1)))
                    .as("re-sent after the NACK")
                    .isEmpty();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dataPlane("delta-picky").path("nacks").asLong() == 1);
            client.cancelStreams();
        }
    }

    private JsonNode groupVersions() {
        return admin.get("/api/v1/status")
                .json()
                .path("nodeGroups")
                .path("mesh")
                .path("versions");
    }

    private JsonNode dataPlane(String nodeId) {
        return admin.dataPlane(nodeId);
    }
}
