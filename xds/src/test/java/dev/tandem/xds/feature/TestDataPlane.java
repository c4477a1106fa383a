package dev.tandem.xds.feature;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/**
 * One process of a data plane: a node of a node group with its own connection to the in-process xDS
 * server, on which it opens ADS streams. A new one with the same node id is the node reconnecting (or
 * restarted); {@link #close()} drops the connection, ending its streams as a process that dies does.
 */
final class TestDataPlane implements AutoCloseable {

    private final Node node;
    private final ManagedChannel channel;
    private final AggregatedDiscoveryServiceStub ads;

    TestDataPlane(String nodeId, String nodeGroup, ManagedChannel channel) {
        this.node = Node.newBuilder().setId(nodeId).setCluster(nodeGroup).build();
        this.channel = channel;
        this.ads = AggregatedDiscoveryServiceGrpc.newStub(channel);
    }

    /** The error detail of a NACK, as Envoy and gRPC send it: INVALID_ARGUMENT and the reason. */
    static Status rejection(String detail) {
        return Status.newBuilder()
                .setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage(detail)
                .build();
    }

    /** The node as its requests name it: the id, and the node group as {@code cluster}. */
    Node node() {
        return node;
    }

    /** Opens a state-of-the-world ADS stream. */
    SotwStream sotw() {
        ResponseQueue<DiscoveryResponse> responses = new ResponseQueue<>(DiscoveryResponse.class);
        return new SotwStream(node, responses, ads.streamAggregatedResources(responses));
    }

    /** Opens a Delta ADS stream. */
    DeltaStream delta() {
        ResponseQueue<DeltaDiscoveryResponse> responses = new ResponseQueue<>(DeltaDiscoveryResponse.class);
        return new DeltaStream(node, responses, ads.deltaAggregatedResources(responses));
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            if (!channel.awaitTermination(ResponseQueue.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the channel of node '" + node.getId() + "' did not terminate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
