package dev.tandem.xds.serve;

import dev.tandem.xds.serve.DataPlaneStatus.Nack;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connected data planes, learned from the xDS server's callbacks: who is on which stream, which
 * version of each type it accepted and what it rejected.
 *
 * <p>Thread-safe: callbacks for one stream arrive on gRPC threads in order; status reads come from
 * any thread and see a consistent copy per stream.
 */
public final class DataPlaneRegistry implements DiscoveryServerCallbacks {

    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneRegistry.class);

    private final Map<Long, StreamState> streams = new ConcurrentHashMap<>();
    private final Function<String, Optional<GroupSnapshot>> served;
    private final NackGuard guard;
    private final LongConsumer onClosed;
    private final Clock clock;
    private final AtomicLong nackTotal = new AtomicLong();

    /**
     * @param served     a node group's snapshot served now (empty for a group without config: data planes that ask
     *                   for it are warned about)
     * @param guard      told of every rejection, before the discovery server decides what to send next
     * @param onClosed   called with every stream that ended
     */
    DataPlaneRegistry(
            Function<String, Optional<GroupSnapshot>> served, NackGuard guard, LongConsumer onClosed, Clock clock) {
        this.served = served;
        this.guard = guard;
        this.onClosed = onClosed;
        this.clock = clock;
    }

    /** Every NACK received since start, for the metric. */
    public long nackTotal() {
        return nackTotal.get();
    }

    /** The connected data planes that have identified themselves, by node group then node id. */
    public List<DataPlaneStatus> connected() {
        return streams.values().stream()
                .map(StreamState::status)
                .filter(s -> s != null)
                .sorted(Comparator.comparing(DataPlaneStatus::nodeGroup)
                        .thenComparing(DataPlaneStatus::nodeId)
                        .thenComparingLong(DataPlaneStatus::stream))
                .toList();
    }

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
        streams.put(
                streamId,
                new StreamState(
                        streamId, typeUrl.isEmpty() ? "ads" : typeUrl, clock.instant(), AdsStream.opened(streamId)));
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
        closed(streamId, null);
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        closed(streamId, error);
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        StreamState state = streams.get(streamId);
        if (state == null) {
            return;
        }
        state.identify(request.getNode(), "sotw");
        String type = XdsType.shortName(request.getTypeUrl());
        if (request.hasErrorDetail()) {
            state.nack(
                    request.getTypeUrl(),
                    request.getResponseNonce(),
                    request.getErrorDetail().getMessage());
        } else if (!request.getResponseNonce().isEmpty()) {
            state.ack(type, request.getResponseNonce(), request.getVersionInfo());
        } else if (!request.getVersionInfo().isEmpty()) {
            // A reconnecting client says what it accepted before; it is sent nothing it has, so no ACK would tell.
            state.ack(type, "", request.getVersionInfo());
        }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        StreamState state = streams.get(streamId);
        if (state == null) {
            return;
        }
        state.identify(request.getNode(), "delta");
        String type = XdsType.shortName(request.getTypeUrl());
        if (request.hasErrorDetail()) {
            state.nack(
                    request.getTypeUrl(),
                    request.getResponseNonce(),
                    request.getErrorDetail().getMessage());
        } else if (!request.getResponseNonce().isEmpty()) {
            state.ackNonce(type, request.getResponseNonce());
        } else if (!request.getInitialResourceVersionsMap().isEmpty()) {
            // A reconnecting client (to this peer or another) that has everything is sent nothing, so no ACK would
            // tell: it holds the type's current version when what it says it has is exactly what is served.
            holdsCurrent(state, request).ifPresent(version -> state.ack(type, "", version));
        }
    }

    /** The type's served version when {@code request}'s initial_resource_versions are all of its served ones. */
    private Optional<String> holdsCurrent(StreamState state, DeltaDiscoveryRequest request) {
        Optional<XdsType> type = XdsType.ofTypeUrl(request.getTypeUrl());
        Optional<GroupSnapshot> snapshot = Optional.ofNullable(state.nodeGroup).flatMap(served);
        if (type.isEmpty() || snapshot.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> has = request.getInitialResourceVersionsMap();
        Map<String, ? extends VersionedResource<?>> current =
                snapshot.get().snapshot().versionedResources(type.get().resourceType());
        boolean wildcard = request.getResourceNamesSubscribeList().isEmpty()
                || request.getResourceNamesSubscribeList().contains("*");
        boolean all = wildcard
                ? has.keySet().equals(current.keySet())
                : has.keySet().containsAll(request.getResourceNamesSubscribeList());
        for (Map.Entry<String, String> held : has.entrySet()) {
            VersionedResource<?> now = current.get(held.getKey());
            all &= now != null && now.version().equals(held.getValue());
        }
        return all ? Optional.of(snapshot.get().versionOf(type.get())) : Optional.empty();
    }

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        StreamState state = streams.get(streamId);
        if (state != null) {
            state.sent(XdsType.shortName(response.getTypeUrl()), response.getNonce(), response.getVersionInfo());
        }
    }

    @Override
    public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
        StreamState state = streams.get(streamId);
        if (state != null) {
            state.sent(XdsType.shortName(response.getTypeUrl()), response.getNonce(), response.getSystemVersionInfo());
        }
    }

    private void closed(long streamId, Throwable error) {
        onClosed.accept(streamId);
        StreamState state = streams.remove(streamId);
        if (state == null || state.nodeId == null) {
            return;
        }
        if (error == null) {
            LOG.info(
                    "data plane disconnected: node '{}' (group '{}', stream {})",
                    state.nodeId,
                    state.nodeGroup,
                    streamId);
        } else {
            LOG.info(
                    "data plane disconnected: node '{}' (group '{}', stream {}): {}",
                    state.nodeId,
                    state.nodeGroup,
                    streamId,
                    error.toString());
        }
    }

    /** One stream's state; every method is synchronized on the state, so status copies are consistent. */
    private final class StreamState {
        private final long streamId;
        private final String channel;
        private final Instant openedAt;
        /** The watcher's view of the stream, when the service is hosted with its interceptor. */
        private final Optional<AdsStream> ads;

        private String nodeId;
        private String nodeGroup;
        private String protocol;
        private final Map<String, String> acked = new TreeMap<>();
        /** nonce → (type, version) of responses sent and not yet answered. */
        private final Map<String, String[]> pending = new HashMap<>();

        private Nack lastNack;
        private long nacks;

        StreamState(long streamId, String channel, Instant openedAt, Optional<AdsStream> ads) {
            this.streamId = streamId;
            this.channel = channel;
            this.openedAt = openedAt;
            this.ads = ads;
        }

        synchronized void identify(Node node, String protocol) {
            // Some clients (grpc-js) send the node only on a stream's first request: keep the first one.
            if (nodeId != null || node.getId().isEmpty() && node.getCluster().isEmpty()) {
                return;
            }
            ads.ifPresent(stream -> stream.identified(node));
            this.nodeId = node.getId();
            this.nodeGroup = node.getCluster();
            this.protocol = protocol;
            LOG.info(
                    "data plane connected: node '{}' (group '{}', {} {}, stream {})",
                    nodeId,
                    nodeGroup,
                    channel,
                    protocol,
                    streamId);
            if (served.apply(nodeGroup).isEmpty()) {
                LOG.warn(
                        "node '{}' asks for node group '{}', which no Gateway defines; it gets config once one does",
                        nodeId,
                        nodeGroup);
            }
        }

        synchronized void sent(String type, String nonce, String version) {
            pending.put(nonce, new String[] {type, version});
            // Bound the map: a client that never answers must not grow it.
            if (pending.size() > 64) {
                pending.keySet().removeIf(n -> !n.equals(nonce) && pending.size() > 32);
            }
        }

        synchronized void ack(String type, String nonce, String version) {
            pending.remove(nonce);
            acked.put(type, version);
        }

        synchronized void ackNonce(String type, String nonce) {
            String[] response = pending.remove(nonce);
            if (response != null) {
                acked.put(type, response[1]);
            }
        }

        void nack(String typeUrl, String nonce, String detail) {
            String type = XdsType.shortName(typeUrl);
            String rejected;
            boolean repeated;
            synchronized (this) {
                String[] response = pending.remove(nonce);
                rejected = response == null ? "unknown" : response[1];
                repeated = lastNack != null
                        && lastNack.type().equals(type)
                        && lastNack.rejectedVersion().equals(rejected);
                lastNack = new Nack(type, rejected, detail, clock.instant());
                nacks++;
            }
            nackTotal.incrementAndGet();
            // Logged once per version: a client that repeats itself is counted, not logged again.
            if (!repeated) {
                LOG.warn(
                        "NACK from node '{}' (group '{}') for {} version {}: {}",
                        nodeId,
                        nodeGroup,
                        type,
                        rejected,
                        detail);
            }
            Optional<XdsType> served = XdsType.ofTypeUrl(typeUrl);
            if (nodeId != null && response(rejected) && served.isPresent()) {
                guard.rejected(nodeId, nodeGroup, served.get(), rejected, detail);
            }
        }

        private boolean response(String version) {
            return !"unknown".equals(version);
        }

        synchronized DataPlaneStatus status() {
            if (nodeId == null) {
                return null;
            }
            return new DataPlaneStatus(
                    streamId, nodeId, nodeGroup, protocol, openedAt, Map.copyOf(acked), lastNack, nacks);
        }
    }
}
