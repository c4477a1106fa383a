package dev.tandem.xds.serve;

import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.controlplane.cache.AbstractWatch;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache java-control-plane's discovery server asks for watches: it holds back what the
 * {@link NackGuard} says must not be sent (a version a node rejected, which the library would re-send
 * at once, thousands of times a second; a halted revision to nodes of a group that halts on NACK),
 * and hands the rest to the cache of the protocol: {@link SotwCache} for state-of-the-world streams,
 * java-control-plane's {@code SimpleCache} for Delta (given what the client has, {@link DeltaClientVersions}).
 *
 * <p>A held request gets a placeholder watch; nothing is sent. {@link #release(String)}, called after
 * every publish, re-checks the group's held requests and hands those no longer held to the cache, which
 * answers with what is current. A stream that moves on (a new request of the type, or closing)
 * cancels the placeholder, which drops the held request or cancels the watch it became.
 *
 * <p>Thread-safe. The stream of a request is its call's {@link AdsStream}.
 */
final class HeldRequests implements ConfigWatcher {

    private static final Logger LOG = LoggerFactory.getLogger(HeldRequests.class);
    private static final List<ResourceType> ADS_ORDER = Resources.RESOURCE_TYPES_IN_ORDER;

    private final SimpleCache<String> cache;
    private final SotwCache sotw;
    private final NackGuard nacks;
    private final DeltaClientVersions clientVersions = new DeltaClientVersions();
    /** Decided and registered under this lock, which {@link #release} takes too. */
    private final List<Held> held = new ArrayList<>();

    /**
     * @param cache answers Delta requests (and state-of-the-world requests of a call without an {@link AdsStream})
     * @param sotw  answers state-of-the-world requests with only what the client lacks
     */
    HeldRequests(SimpleCache<String> cache, SotwCache sotw, NackGuard nacks) {
        this.cache = cache;
        this.sotw = sotw;
        this.nacks = nacks;
    }

    /** Serves {@code snapshot} to the group's data planes, both protocols. */
    void setSnapshot(String group, Snapshot snapshot) {
        cache.setSnapshot(group, snapshot);
        sotw.setSnapshot(group, snapshot);
    }

    /** A stream ended: what its Delta client had is no longer needed; a SotW client's is kept for its reconnect. */
    void streamClosed(long stream) {
        clientVersions.forget(stream);
        sotw.streamClosed(stream);
    }

    @Override
    public Watch createWatch(
            boolean ads,
            XdsRequest original,
            Set<String> knownResourceNames,
            Consumer<Response> responseConsumer,
            boolean hasClusterChanged,
            boolean allowDefaultEmptyEdsUpdate) {
        Optional<AdsStream> stream = AdsStream.current();
        Optional<Node> streamNode = stream.flatMap(AdsStream::node)
                .filter(n -> !original.v3Request().hasNode());
        XdsRequest request = streamNode.isEmpty()
                ? original
                : XdsRequest.create(original.v3Request().toBuilder()
                        .setNode(streamNode.get())
                        .build());
        Node node = request.v3Request().getNode();
        Supplier<Watch> real;
        if (stream.isPresent()) {
            long id = stream.get().id();
            // Recorded now, on the stream's thread: a held request may become a watch later, on the publisher's.
            sotw.received(id, node, request.v3Request());
            real = () -> sotw.createWatch(id, ads, request, responseConsumer);
        } else {
            Set<String> known = Set.copyOf(knownResourceNames);
            real = () -> cache.createWatch(
                    ads, request, known, responseConsumer, hasClusterChanged, allowDefaultEmptyEdsUpdate);
        }
        Watch placeholder = new Watch(ads, allowDefaultEmptyEdsUpdate, request, responseConsumer);
        return holdIfNeeded(new Held(
                        node,
                        request.getResourceType(),
                        request.getVersionInfo(),
                        request.hasErrorDetail(),
                        placeholder,
                        real::get))
                ? placeholder
                : real.get();
    }

    @Override
    public DeltaWatch createDeltaWatch(
            DeltaXdsRequest original,
            String requesterVersion,
            Map<String, String> resourceVersions,
            Set<String> pendingResources,
            boolean isWildcard,
            Consumer<DeltaResponse> responseConsumer,
            boolean hasClusterChanged) {
        Optional<AdsStream> stream = AdsStream.current();
        Optional<Node> streamNode = stream.flatMap(AdsStream::node)
                .filter(n -> !original.v3Request().hasNode());
        DeltaXdsRequest request = streamNode.isEmpty()
                ? original
                : DeltaXdsRequest.create(original.v3Request().toBuilder()
                        .setNode(streamNode.get())
                        .build());
        Node node = request.v3Request().getNode();
        // The library passes its live per-stream collections; a held request may be released on the
        // publisher thread while the stream's thread changes them: copy them here, on the stream's thread.
        Map<String, String> versions = stream.isEmpty()
                ? Map.copyOf(resourceVersions)
                : clientVersions.versions(stream.get().id(), request.v3Request(), resourceVersions);
        Consumer<DeltaResponse> consumer = stream.isEmpty()
                ? responseConsumer
                : clientVersions.recording(
                        stream.get().id(), request.v3Request().getTypeUrl(), responseConsumer);
        // A name the client subscribes to again while saying it has it needs no answer unless it changed.
        Set<String> pending = new HashSet<>(pendingResources);
        pending.removeAll(request.v3Request().getInitialResourceVersionsMap().keySet());
        Set<String> pendingNow = Set.copyOf(pending);
        Supplier<DeltaWatch> real = () -> cache.createDeltaWatch(
                request, requesterVersion, versions, pendingNow, isWildcard, consumer, hasClusterChanged);
        DeltaWatch placeholder =
                new DeltaWatch(request, versions, pendingNow, requesterVersion, isWildcard, responseConsumer);
        return holdIfNeeded(new Held(
                        node,
                        request.getResourceType(),
                        requesterVersion,
                        request.hasErrorDetail(),
                        placeholder,
                        real::get))
                ? placeholder
                : real.get();
    }

    /**
     * Hands every held request of {@code group} that may now be answered to the cache, in ADS order
     * (clusters and endpoints before listeners and routes, as the cache itself pushes), each on its
     * own: one failing stream does not keep the others waiting.
     */
    void release(String group) {
        List<Held> released = new ArrayList<>();
        synchronized (held) {
            held.removeIf(h -> {
                if (h.node.getCluster().equals(group) && !mustHold(h.node, h.type, h.version, h.nack)) {
                    released.add(h);
                    return true;
                }
                return false;
            });
        }
        released.sort(Comparator.comparingInt(h -> ADS_ORDER.indexOf(h.type)));
        for (Held h : released) {
            try {
                h.release();
            } catch (RuntimeException e) {
                LOG.warn("releasing a held {} request of node '{}' failed: {}", h.type, h.node.getId(), e.toString());
            }
        }
    }

    /** Requests held back right now, for status and tests. */
    int heldCount() {
        synchronized (held) {
            return held.size();
        }
    }

    /**
     * Decides and registers under the lock {@link #release} takes: a publish that lands between the
     * decision and the registration would otherwise never release the request.
     *
     * @return whether {@code h} is held (otherwise the caller creates the real watch)
     */
    private boolean holdIfNeeded(Held h) {
        // A stream that cancels the placeholder no longer wants an answer.
        h.placeholder.setStop(() -> {
            synchronized (held) {
                held.remove(h);
            }
            h.cancelReal();
        });
        synchronized (held) {
            if (!mustHold(h.node, h.type, h.version, h.nack)) {
                return false;
            }
            held.add(h);
            return true;
        }
    }

    /** @param nack the request rejects the last response */
    private boolean mustHold(Node node, ResourceType type, String clientVersion, boolean nack) {
        Snapshot snapshot = cache.getSnapshot(node.getCluster());
        if (snapshot == null || type == null) {
            return false;
        }
        return nacks.mustHold(node, XdsType.of(type), snapshot.version(type), clientVersion, nack);
    }

    /** A request held back, and the watch it becomes when released. */
    private static final class Held {
        final Node node;
        final ResourceType type;
        final String version;
        final boolean nack;
        final AbstractWatch<?, ?> placeholder;
        final Supplier<AbstractWatch<?, ?>> create;
        private AbstractWatch<?, ?> real;
        private boolean cancelled;

        Held(
                Node node,
                ResourceType type,
                String version,
                boolean nack,
                AbstractWatch<?, ?> placeholder,
                Supplier<AbstractWatch<?, ?>> create) {
            this.node = node;
            this.type = type;
            this.version = version;
            this.nack = nack;
            this.placeholder = placeholder;
            this.create = create;
        }

        synchronized void release() {
            if (!cancelled) {
                real = create.get();
            }
        }

        synchronized void cancelReal() {
            cancelled = true;
            if (real != null) {
                real.cancel();
            }
        }
    }
}
