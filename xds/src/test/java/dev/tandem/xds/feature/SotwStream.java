package dev.tandem.xds.feature;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One state-of-the-world ADS stream of a test data plane, driven step by step: it remembers per type
 * the names it subscribed to and the version it accepted, and fills them into its ACKs and NACKs as
 * Envoy and gRPC do. Every request it builds names the node. One test thread drives it.
 */
final class SotwStream extends AdsTestStream<DiscoveryResponse> {

    private final Node node;
    private final StreamObserver<DiscoveryRequest> requests;
    private final Map<String, List<String>> subscribed = new HashMap<>();
    private final Map<String, String> accepted = new HashMap<>();

    SotwStream(Node node, ResponseQueue<DiscoveryResponse> responses, StreamObserver<DiscoveryRequest> requests) {
        super(responses, DiscoveryResponse::getTypeUrl, DiscoveryResponse::getVersionInfo);
        this.node = node;
        this.requests = requests;
    }

    @Override
    void subscribe(String typeUrl, String... names) {
        resume(typeUrl, "", names);
    }

    /** Asks for {@code names} of {@code typeUrl} saying it has {@code version}, as a data plane that reconnects. */
    void resume(String typeUrl, String version, String... names) {
        subscribed.put(typeUrl, List.of(names));
        accepted.put(typeUrl, version);
        send(request(typeUrl).setVersionInfo(version).build());
    }

    /** Accepts {@code response}. */
    void ack(DiscoveryResponse response) {
        accepted.put(response.getTypeUrl(), response.getVersionInfo());
        send(request(response.getTypeUrl())
                .setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce())
                .build());
    }

    /** Rejects {@code response}, keeping the version it accepted before. */
    void nack(DiscoveryResponse response, String detail) {
        send(request(response.getTypeUrl())
                .setVersionInfo(accepted.getOrDefault(response.getTypeUrl(), ""))
                .setResponseNonce(response.getNonce())
                .setErrorDetail(TestDataPlane.rejection(detail))
                .build());
    }

    /** Sends {@code request} exactly as given: for requests the helpers do not build. */
    void send(DiscoveryRequest request) {
        requests.onNext(request);
    }

    @Override
    boolean subscribed(String typeUrl) {
        return subscribed.containsKey(typeUrl);
    }

    private DiscoveryRequest.Builder request(String typeUrl) {
        return DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(typeUrl)
                .addAllResourceNames(subscribed.getOrDefault(typeUrl, List.of()));
    }
}
