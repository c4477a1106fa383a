package dev.tandem.appliance.testing;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare ADS client that speaks the wire protocol step by step (SotW or Delta), for what grpc-java's
 * xDS client does not do on demand: Delta, and NACKs.
 */
public final class RawAdsClient implements AutoCloseable {

    private final ManagedChannel channel;
    private final Node node;
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private StreamObserver<DiscoveryRequest> sotw;
    private StreamObserver<DeltaDiscoveryRequest> delta;

    /** Responses per type URL, in arrival order, while {@link #subscribeAndAck} runs. */
    private final Map<String, List<DiscoveryResponse>> acked = new ConcurrentHashMap<>();

    private Map<String, List<String>> subscriptions;

    /** Over mTLS with a certificate of the test CA for this node and group, as a joined data plane connects. */
    public RawAdsClient(int port, String nodeId, String nodeGroup) {
        this(port, nodeId, nodeGroup, TestPki.dataPlane(nodeId, nodeGroup).credentials());
    }

    /** With other credentials: plaintext, a stranger's certificate, another group's... */
    public RawAdsClient(int port, String nodeId, String nodeGroup, io.grpc.ChannelCredentials credentials) {
        this.channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port, credentials).build();
        this.node = Node.newBuilder().setId(nodeId).setCluster(nodeGroup).build();
    }

    public Node node() {
        return node;
    }

    /**
     * Subscribes to the given types (empty names: wildcard) and ACKs every response, as a data plane
     * does; {@link #responses(String)} then counts what was pushed per type.
     */
    public synchronized void subscribeAndAck(Map<String, List<String>> names) {
        subscriptions = names;
        sotw = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
                acked.computeIfAbsent(response.getTypeUrl(), t -> new CopyOnWriteArrayList<>())
                        .add(response);
                synchronized (RawAdsClient.this) {
                    sotw.onNext(DiscoveryRequest.newBuilder()
                            .setNode(node)
                            .setTypeUrl(response.getTypeUrl())
                            .addAllResourceNames(subscriptions.get(response.getTypeUrl()))
                            .setVersionInfo(response.getVersionInfo())
                            .setResponseNonce(response.getNonce())
                            .build());
                }
            }

            @Override
            public void onError(Throwable t) {
                received.add(t);
            }

            @Override
            public void onCompleted() {}
        });
        names.forEach((type, resources) -> sotw.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(type)
                .addAllResourceNames(resources)
                .build()));
    }

    /** How many responses of {@code typeUrl} arrived since {@link #subscribeAndAck}. */
    public int responses(String typeUrl) {
        return acked.getOrDefault(typeUrl, List.of()).size();
    }

    public void sendSotw(DiscoveryRequest request) {
        if (sotw == null) {
            sotw = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(collector());
        }
        sotw.onNext(request);
    }

    public void sendDelta(DeltaDiscoveryRequest request) {
        if (delta == null) {
            delta = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(collector());
        }
        delta.onNext(request);
    }

    public DiscoveryResponse nextSotw() throws InterruptedException {
        return (DiscoveryResponse) next();
    }

    public DeltaDiscoveryResponse nextDelta() throws InterruptedException {
        return (DeltaDiscoveryResponse) next();
    }

    /** The next SotW response within {@code wait}, or empty: for asserting that nothing is sent. */
    public Optional<DiscoveryResponse> pollSotw(Duration wait) throws InterruptedException {
        Object item = received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (item instanceof Throwable t) {
            throw new AssertionError("stream failed", t);
        }
        return Optional.ofNullable((DiscoveryResponse) item);
    }

    /** The next Delta response within {@code wait}, or empty. */
    public Optional<DeltaDiscoveryResponse> pollDelta(Duration wait) throws InterruptedException {
        Object item = received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (item instanceof Throwable t) {
            throw new AssertionError("stream failed", t);
        }
        return Optional.ofNullable((DeltaDiscoveryResponse) item);
    }

    /**
     * The status the stream failed with, within {@code wait}; responses before it are skipped when
     * {@code servedBefore}, and fail the test otherwise (a refused data plane must get nothing).
     */
    public io.grpc.Status awaitFailure(Duration wait, boolean servedBefore) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            Object item = received.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (item instanceof Throwable t) {
                return io.grpc.Status.fromThrowable(t);
            }
            if (item != null && !servedBefore) {
                throw new AssertionError("a refused data plane was served: " + item);
            }
        }
        throw new AssertionError("the stream did not fail within " + wait);
    }

    /** Sends {@code request} (SotW) and returns the status the stream was refused with; nothing may be served. */
    public io.grpc.Status refusal(DiscoveryRequest request, Duration wait) throws InterruptedException {
        sendSotw(request);
        return awaitFailure(wait, false);
    }

    /** Sends {@code request} (SotW) and returns the first response. */
    public DiscoveryResponse nextSotwAfter(DiscoveryRequest request) throws InterruptedException {
        sendSotw(request);
        return nextSotw();
    }

    private Object next() throws InterruptedException {
        Object item = received.poll(10, TimeUnit.SECONDS);
        if (item == null) {
            throw new AssertionError("no response within 10 s");
        }
        if (item instanceof Throwable t) {
            throw new AssertionError("stream failed", t);
        }
        return item;
    }

    private <T> StreamObserver<T> collector() {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                received.add(value);
            }

            @Override
            public void onError(Throwable t) {
                received.add(t);
            }

            @Override
            public void onCompleted() {}
        };
    }

    /** Cancels the open streams (RST_STREAM), as a client that goes away cleanly does. */
    public void cancelStreams() {
        if (sotw != null) {
            ((io.grpc.stub.ClientCallStreamObserver<DiscoveryRequest>) sotw).cancel("client closing", null);
        }
        if (delta != null) {
            ((io.grpc.stub.ClientCallStreamObserver<DeltaDiscoveryRequest>) delta).cancel("client closing", null);
        }
    }

    /** Closes the connection; streams still open end with it, as when a data plane's process dies. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
