package dev.tandem.xds.feature;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Delta ADS stream of a test data plane, driven step by step. Every request it builds names the
 * node. One test thread drives it.
 */
final class DeltaStream extends AdsTestStream<DeltaDiscoveryResponse> {

    private final Node node;
    private final StreamObserver<DeltaDiscoveryRequest> requests;
    private final Set<String> subscribed = new HashSet<>();

    DeltaStream(
            Node node,
            ResponseQueue<DeltaDiscoveryResponse> responses,
            StreamObserver<DeltaDiscoveryRequest> requests) {
        super(responses, DeltaDiscoveryResponse::getTypeUrl, DeltaDiscoveryResponse::getSystemVersionInfo);
        this.node = node;
        this.requests = requests;
    }

    @Override
    void subscribe(String typeUrl, String... names) {
        resume(typeUrl, Map.of(), names);
    }

    /** Subscribes as a data plane that reconnects saying which versions it has ({@code initial_resource_versions}). */
    void resume(String typeUrl, Map<String, String> has, String... names) {
        subscribed.add(typeUrl);
        send(request(typeUrl)
                .addAllResourceNamesSubscribe(List.of(names))
                .putAllInitialResourceVersions(has)
                .build());
    }

    /** Accepts {@code response}. */
    void ack(DeltaDiscoveryResponse response) {
        send(request(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .build());
    }

    /** Rejects {@code response}. */
    void nack(DeltaDiscoveryResponse response, String detail) {
        send(request(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .setErrorDetail(TestDataPlane.rejection(detail))
                .build());
    }

    @Override
    boolean subscribed(String typeUrl) {
        return subscribed.contains(typeUrl);
    }

    private void send(DeltaDiscoveryRequest request) {
        requests.onNext(request);
    }

    private DeltaDiscoveryRequest.Builder request(String typeUrl) {
        return DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl);
    }
}
