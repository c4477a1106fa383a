package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.Gateways;
import dev.tandem.appliance.testing.ServeProcess;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New xDS streams are admitted at the rate {@code xds.admission} sets (issue 16, reconnect storms): a
 * node started with 1 a second and a burst of 2 serves two of ten streams opened at once and ends the
 * others with UNAVAILABLE naming the limit (what Envoy and gRPC retry); a stream opened later is
 * admitted, and the refusals are counted.
 */
class StreamAdmissionIT {

    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aBurstBeyondTheRateIsRefusedWithUnavailableAndALaterStreamIsAdmitted() throws Exception {
        Path gateway = Files.writeString(dir.resolve("gateway.yaml"), Gateways.edge(9001));
        Path config = Files.writeString(dir.resolve("tandem.yaml"), """
                node: {id: admission-it}
                dataDir: data
                admin: {address: 127.0.0.1, port: 0}
                xds: {address: 127.0.0.1, port: 0, insecure: true, admission: {streamsPerSecond: 1, burst: 2}}
                initialConfig: %s
                """.formatted(gateway));
        try (ServeProcess node = ServeProcess.start(dir, config, "admission-it")) {
            ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                            "127.0.0.1", node.xdsPort(), InsecureChannelCredentials.create())
                    .build();
            try {
                // One connection, ten streams at once: the burst's two are admitted, the rate adds none in a few ms.
                List<CompletableFuture<Object>> outcomes = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    outcomes.add(stream(channel, "envoy-" + i));
                }
                CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                        .get(BOUND.toSeconds(), TimeUnit.SECONDS);
                List<Status> refused = new ArrayList<>();
                int served = 0;
                for (CompletableFuture<Object> outcome : outcomes) {
                    if (outcome.get() instanceof Status status) {
                        refused.add(status);
                    } else {
                        served++;
                    }
                }
                assertThat(served).as("streams served of 10 opened at once").isBetween(1, 3);
                assertThat(refused).hasSize(10 - served).allSatisfy(status -> {
                    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(status.getDescription())
                            .isEqualTo("xDS stream admission: this node admits 1 new streams a second (burst 2,"
                                    + " xds.admission); retry with backoff");
                });

                // As a data plane retries: a later stream is admitted once a token has come back.
                await().atMost(BOUND)
                        .pollInterval(Duration.ofMillis(300))
                        .until(() -> stream(channel, "envoy-late").get(BOUND.toSeconds(), TimeUnit.SECONDS)
                                instanceof DiscoveryResponse);
                AdminHttp admin = AdminHttp.withTokenFrom(node.adminPort(), dir.resolve("data"));
                assertThat(admin.get("/metrics").body())
                        .containsPattern("tandem_xds_refusals_total\\{reason=\"admission\"} [1-9]");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Opens an ADS stream asking for the edge group's clusters: its first response, or the status that ended it. */
    private static CompletableFuture<Object> stream(ManagedChannel channel, String nodeId) {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse response) {
                        outcome.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        outcome.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        outcome.complete(Status.OK);
                    }
                });
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId(nodeId).setCluster("edge"))
                .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                .build());
        // Served streams stay open until the channel closes; the outcome is all this test needs of them.
        outcome.whenComplete((o, t) -> requests.onCompleted());
        return outcome;
    }
}
