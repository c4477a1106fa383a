package dev.tandem.appliance.bench;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One simulated Envoy on one ADS stream: it subscribes as Envoy does (listeners and clusters by
 * wildcard, then the route tables its listeners name and the endpoints of its EDS clusters), ACKs
 * every response, and records for each type when it ACKed which version and how many bytes arrived.
 */
final class SimulatedDataPlane implements AutoCloseable {

    /** Schedules the retries of every simulated node (they only wait). */
    private static final ScheduledExecutorService RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-retries");
        t.setDaemon(true);
        return t;
    });

    /** When (nanoTime) each version of each type was ACKed. */
    private final Map<String, Map<String, Long>> acked = new ConcurrentHashMap<>();

    private final Map<String, AtomicLong> bytes = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> responses = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> subscribed = new ConcurrentHashMap<>();
    /** What a reconnecting Envoy remembers: per type URL, the last version it ACKed (SotW) or each resource's version (Delta). */
    private final Map<String, String> lastVersion = new ConcurrentHashMap<>();

    private final Map<String, Map<String, String>> resourceVersions = new ConcurrentHashMap<>();
    private final Node node;
    private final Bench.Protocol protocol;
    private final AtomicInteger failures = new AtomicInteger();
    private StreamObserver<DiscoveryRequest> sotw;
    private StreamObserver<DeltaDiscoveryRequest> delta;
    /** The last stream failure; empty while none failed. */
    private volatile Optional<Throwable> failure = Optional.empty();

    private int consecutiveFailures;
    private volatile boolean closed;
    private Channel channel;
    /** Streams this node ended itself report errors too; only the current stream's count. */
    private volatile int generation;

    SimulatedDataPlane(Channel channel, String nodeId, String nodeGroup, Bench.Protocol protocol) {
        this.node = Node.newBuilder().setId(nodeId).setCluster(nodeGroup).build();
        this.protocol = protocol;
        open(channel);
        subscribe(Resources.V3.CLUSTER_TYPE_URL, Set.of());
        subscribe(Resources.V3.LISTENER_TYPE_URL, Set.of());
    }

    private void open(Channel channel) {
        this.channel = channel;
        // Envoy retries its ADS stream until the connection comes up; when thousands connect at once some
        // TLS handshakes take longer than the server's handshake timeout, and the stream must wait, not fail.
        AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub =
                AggregatedDiscoveryServiceGrpc.newStub(channel).withWaitForReady();
        if (protocol == Bench.Protocol.sotw) {
            sotw = stub.streamAggregatedResources(observer(this::onSotw));
        } else {
            delta = stub.deltaAggregatedResources(observer(this::onDelta));
        }
    }

    /**
     * As Envoy after losing its control plane: a new stream that says what it already has (SotW:
     * each type's last ACKed version; Delta: {@code initial_resource_versions}), so a server that
     * honours it sends nothing that did not change.
     */
    synchronized void reconnect(Channel channel) {
        generation++;
        cancelStreams();
        open(channel);
        for (String typeUrl : List.of(
                Resources.V3.CLUSTER_TYPE_URL,
                Resources.V3.LISTENER_TYPE_URL,
                Resources.V3.ENDPOINT_TYPE_URL,
                Resources.V3.ROUTE_TYPE_URL)) {
            if (!subscribed.containsKey(typeUrl)) {
                continue; // not subscribed yet: Envoy asks for routes and endpoints only once it knows their names
            }
            Set<String> names = subscribed.get(typeUrl);
            if (protocol == Bench.Protocol.sotw) {
                DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder()
                        .setTypeUrl(typeUrl)
                        .addAllResourceNames(names)
                        .setVersionInfo(lastVersion.getOrDefault(typeUrl, ""));
                sotw.onNext(request.setNode(node).build());
            } else {
                DeltaDiscoveryRequest.Builder request = DeltaDiscoveryRequest.newBuilder()
                        .setTypeUrl(typeUrl)
                        .addAllResourceNamesSubscribe(names)
                        .putAllInitialResourceVersions(resourceVersions.getOrDefault(typeUrl, Map.of()));
                delta.onNext(request.setNode(node).build());
            }
        }
    }

    String nodeId() {
        return node.getId();
    }

    String nodeGroup() {
        return node.getCluster();
    }

    /** When (nanoTime) {@code version} of {@code type} (short name) was ACKed; empty while it was not. */
    OptionalLong ackedAt(String type, String version) {
        Long at = acked.getOrDefault(type, Map.of()).get(version);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    long bytes(String type) {
        return bytes.getOrDefault(type, new AtomicLong()).get();
    }

    long responses(String type) {
        return responses.getOrDefault(type, new AtomicLong()).get();
    }

    /** The last stream failure; empty while none failed. */
    Optional<Throwable> failure() {
        return failure;
    }

    /** Streams that failed (each was retried, as Envoy retries its ADS stream). */
    int failures() {
        return failures.get();
    }

    /**
     * As Envoy: a failed stream is opened again after a backoff (0.5 s doubling to 30 s, jittered),
     * saying what it has. On 2 cores a server's keepalive ping can go unanswered while thousands of
     * simulated nodes decode their first config, and the server rightly drops those connections.
     */
    private synchronized void failed(int failedGeneration, Throwable t) {
        if (failedGeneration != generation || closed) {
            return;
        }
        failure = Optional.of(t);
        failures.incrementAndGet();
        consecutiveFailures++;
        long base = Math.min(30_000, 500L << Math.min(consecutiveFailures - 1, 6));
        long delay = (long) (base * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble()));
        RETRIES.schedule(
                () -> {
                    synchronized (this) {
                        if (failedGeneration == generation && !closed) {
                            reconnect(channel);
                        }
                    }
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    private synchronized void subscribe(String typeUrl, Set<String> names) {
        Set<String> before = subscribed.put(typeUrl, new TreeSet<>(names));
        if (protocol == Bench.Protocol.sotw) {
            if (before == null) {
                sotw.onNext(DiscoveryRequest.newBuilder()
                        .setNode(node)
                        .setTypeUrl(typeUrl)
                        .addAllResourceNames(names)
                        .build());
            }
        } else if (before == null || !before.equals(names)) {
            Set<String> added = new TreeSet<>(names);
            Set<String> removed = new TreeSet<>();
            if (before != null) {
                added.removeAll(before);
                removed.addAll(before);
                removed.removeAll(names);
            }
            delta.onNext(DeltaDiscoveryRequest.newBuilder()
                    .setNode(node)
                    .setTypeUrl(typeUrl)
                    .addAllResourceNamesSubscribe(added)
                    .addAllResourceNamesUnsubscribe(removed)
                    .build());
        }
    }

    private synchronized void onSotw(DiscoveryResponse response) {
        consecutiveFailures = 0;
        String type = XdsType.shortName(response.getTypeUrl());
        count(type, response.getSerializedSize());
        Set<String> names = subscribed.getOrDefault(response.getTypeUrl(), Set.of());
        // Like Envoy's default (set_node_on_first_message_only: false): the node in every request.
        sotw.onNext(DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(response.getTypeUrl())
                .addAllResourceNames(names)
                .setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce())
                .build());
        acked.computeIfAbsent(type, t -> new ConcurrentHashMap<>())
                .putIfAbsent(response.getVersionInfo(), System.nanoTime());
        lastVersion.put(response.getTypeUrl(), response.getVersionInfo());
        followReferences(response.getTypeUrl(), response.getResourcesList());
    }

    private synchronized void onDelta(DeltaDiscoveryResponse response) {
        consecutiveFailures = 0;
        String type = XdsType.shortName(response.getTypeUrl());
        count(type, response.getSerializedSize());
        delta.onNext(DeltaDiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .build());
        acked.computeIfAbsent(type, t -> new ConcurrentHashMap<>())
                .putIfAbsent(response.getSystemVersionInfo(), System.nanoTime());
        Map<String, String> versions =
                resourceVersions.computeIfAbsent(response.getTypeUrl(), t -> new ConcurrentHashMap<>());
        response.getResourcesList().forEach(r -> versions.put(r.getName(), r.getVersion()));
        response.getRemovedResourcesList().forEach(versions::remove);
        followReferences(
                response.getTypeUrl(),
                response.getResourcesList().stream().map(r -> r.getResource()).toList());
    }

    /** Envoy asks for the route tables its listeners name and the endpoints of its EDS clusters. */
    private void followReferences(String typeUrl, List<Any> resources) {
        try {
            if (typeUrl.equals(Resources.V3.CLUSTER_TYPE_URL)) {
                Set<String> eds = new TreeSet<>();
                for (Any any : resources) {
                    Cluster cluster = any.unpack(Cluster.class);
                    if (cluster.getType() == Cluster.DiscoveryType.EDS) {
                        eds.add(
                                cluster.getEdsClusterConfig().getServiceName().isEmpty()
                                        ? cluster.getName()
                                        : cluster.getEdsClusterConfig().getServiceName());
                    }
                }
                subscribe(Resources.V3.ENDPOINT_TYPE_URL, eds);
            } else if (typeUrl.equals(Resources.V3.LISTENER_TYPE_URL)) {
                Set<String> routes = new TreeSet<>();
                for (Any any : resources) {
                    Listener listener = any.unpack(Listener.class);
                    listener.getFilterChainsList()
                            .forEach(chain -> chain.getFiltersList().forEach(filter -> {
                                if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
                                    try {
                                        HttpConnectionManager hcm =
                                                filter.getTypedConfig().unpack(HttpConnectionManager.class);
                                        if (hcm.hasRds()) {
                                            routes.add(hcm.getRds().getRouteConfigName());
                                        }
                                    } catch (InvalidProtocolBufferException e) {
                                        failure = Optional.of(e);
                                    }
                                }
                            }));
                }
                subscribe(Resources.V3.ROUTE_TYPE_URL, routes);
            }
        } catch (InvalidProtocolBufferException e) {
            failure = Optional.of(e);
        }
    }

    private void count(String type, long size) {
        bytes.computeIfAbsent(type, t -> new AtomicLong()).addAndGet(size);
        responses.computeIfAbsent(type, t -> new AtomicLong()).incrementAndGet();
    }

    private <T> StreamObserver<T> observer(Consumer<T> onNext) {
        int mine = generation;
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                if (mine == generation) {
                    onNext.accept(value);
                }
            }

            @Override
            public void onError(Throwable t) {
                failed(mine, t);
            }

            @Override
            public void onCompleted() {}
        };
    }

    @Override
    public synchronized void close() {
        closed = true;
        cancelStreams();
    }

    private void cancelStreams() {
        if (sotw != null) {
            ((ClientCallStreamObserver<DiscoveryRequest>) sotw).cancel("bench done", null);
        }
        if (delta != null) {
            ((ClientCallStreamObserver<DeltaDiscoveryRequest>) delta).cancel("bench done", null);
        }
    }
}
