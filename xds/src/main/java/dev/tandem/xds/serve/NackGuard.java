package dev.tandem.xds.serve;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sits between java-control-plane's discovery server and its cache and holds back what must not be
 * sent: a version a node rejected (the library would re-send it at once, thousands of times a
 * second), and a halted revision to nodes of a group that halts on NACK.
 *
 * <p>A held request gets a placeholder watch; nothing is sent. {@link #release(String)}, called after
 * every publish, re-checks the group's held requests and hands those no longer held to the cache, which
 * answers with what is current. A stream that moves on (a new request of the type, or closing)
 * cancels the placeholder, which drops the held request or cancels the watch it became.
 *
 * <p>Thread-safe. Decisions read {@link Rejections}, which the registry's callbacks update before the
 * discovery server asks for a watch for the same request.
 */
final class NackGuard implements ConfigWatcher {

    private final SimpleCache<String> cache;
    private final Rejections rejections;
    private final List<Held> held = new ArrayList<>();

    private final DeltaClientVersions clientVersions = new DeltaClientVersions();
    private final SotwCache sotw;

    /**
     * @param cache answers Delta requests (and state-of-the-world requests of a stream the registry did not see)
     * @param sotw  answers state-of-the-world requests with only what the client lacks
     */
    NackGuard(SimpleCache<String> cache, SotwCache sotw, Rejections rejections) {
        this.cache = cache;
        this.sotw = sotw;
        this.rejections = rejections;
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
    public Watch createWatch(boolean ads, XdsRequest original, Set<String> knownResourceNames,
                             Consumer<Response> responseConsumer, boolean hasClusterChanged,
                             boolean allowDefaultEmptyEdsUpdate) {
        Node streamNode = streamNode(original.v3Request().hasNode());
        XdsRequest request = streamNode == null ? original
                : XdsRequest.create(original.v3Request().toBuilder().setNode(streamNode).build());
        Node node = request.v3Request().getNode();
        Long stream = DataPlaneRegistry.CURRENT_STREAM.get();
        DataPlaneRegistry.CURRENT_STREAM.remove();
        Supplier<Watch> real;
        if (stream != null) {
            // Recorded now, on the stream's thread: a held request may become a watch later, on the publisher's.
            sotw.received(stream, node, request.v3Request());
            real = () -> sotw.createWatch(stream, ads, request, responseConsumer);
        } else {
            Set<String> known = Set.copyOf(knownResourceNames);
            real = () -> cache.createWatch(ads, request, known, responseConsumer, hasClusterChanged, allowDefaultEmptyEdsUpdate);
        }
        Watch placeholder = new Watch(ads, allowDefaultEmptyEdsUpdate, request, responseConsumer);
        return holdIfNeeded(new Held(node, request.getResourceType(), request.getVersionInfo(), request.hasErrorDetail(),
                placeholder, real::get)) ? placeholder : real.get();
    }

    @Override
    public DeltaWatch createDeltaWatch(DeltaXdsRequest original, String requesterVersion,
                                       Map<String, String> resourceVersions, Set<String> pendingResources,
                                       boolean isWildcard, Consumer<DeltaResponse> responseConsumer,
                                       boolean hasClusterChanged) {
        Node streamNode = streamNode(original.v3Request().hasNode());
        DeltaXdsRequest request = streamNode == null ? original
                : DeltaXdsRequest.create(original.v3Request().toBuilder().setNode(streamNode).build());
        Node node = request.v3Request().getNode();
        // The library passes its live per-stream collections; a held request may be released on the
        // publisher thread while the stream's thread changes them: copy them here, on the stream's thread.
        Long stream = DataPlaneRegistry.CURRENT_STREAM.get();
        DataPlaneRegistry.CURRENT_STREAM.remove();
        Map<String, String> versions = stream == null ? Map.copyOf(resourceVersions)
                : clientVersions.versions(stream, request.v3Request(), resourceVersions);
        Consumer<DeltaResponse> consumer = stream == null ? responseConsumer
                : clientVersions.recording(stream, request.v3Request().getTypeUrl(), responseConsumer);
        // A name the client subscribes to again while saying it has it needs no answer unless it changed.
        Set<String> pending = new java.util.HashSet<>(pendingResources);
        pending.removeAll(request.v3Request().getInitialResourceVersionsMap().keySet());
        pending = Set.copyOf(pending);
        Set<String> pendingNow = pending;
        Supplier<DeltaWatch> real = () -> cache.createDeltaWatch(request, requesterVersion, versions,
                pendingNow, isWildcard, consumer, hasClusterChanged);
        DeltaWatch placeholder = new DeltaWatch(request, versions, pending, requesterVersion, isWildcard, responseConsumer);
        return holdIfNeeded(new Held(node, request.getResourceType(), requesterVersion, request.hasErrorDetail(),
                placeholder, real::get)) ? placeholder : real.get();
    }

    /**
     * The stream's node for a request that came without one (the cache groups requests by their node),
     * or {@code null} when the request names its node itself.
     */
    private static Node streamNode(boolean requestHasNode) {
        Node remembered = DataPlaneRegistry.CURRENT_NODE.get();
        DataPlaneRegistry.CURRENT_NODE.remove();
        return requestHasNode ? null : remembered;
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
        released.sort(java.util.Comparator.comparingInt(h -> ADS_ORDER.indexOf(h.type)));
        for (Held h : released) {
            try {
                h.release();
            } catch (RuntimeException e) {
                LOG.warn("releasing a held {} request of node '{}' failed: {}", h.type, h.node.getId(), e.toString());
            }
        }
    }

    private static final List<ResourceType> ADS_ORDER = io.envoyproxy.controlplane.cache.Resources.RESOURCE_TYPES_IN_ORDER;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NackGuard.class);

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
        String current = snapshot.version(type);
        String shortType = ResourceTypes.shortName(type);
        // Checked before the version comparison: a Delta client presents the version last *sent*, which
        // after a NACK is the rejected one. A new process of the node (its first request: no version, no
        // NACK) may try the version once more; its NACK then holds it again.
        boolean freshStart = clientVersion.isEmpty() && !nack;
        if (!freshStart && rejections.rejected(node.getId(), shortType).filter(current::equals).isPresent()) {
            return true;
        }
        if (current.equals(clientVersion)) {
            return false; // nothing would be sent anyway
        }
        return rejections.halt(node.getCluster()).filter(h -> h.heldTypes().contains(shortType)).isPresent();
    }

    /** A request held back, and the watch it becomes when released. */
    private static final class Held {
        final Node node;
        final ResourceType type;
        final String version;
        final boolean nack;
        final io.envoyproxy.controlplane.cache.AbstractWatch<?, ?> placeholder;
        final Supplier<io.envoyproxy.controlplane.cache.AbstractWatch<?, ?>> create;
        private io.envoyproxy.controlplane.cache.AbstractWatch<?, ?> real;
        private boolean cancelled;

        Held(Node node, ResourceType type, String version, boolean nack,
             io.envoyproxy.controlplane.cache.AbstractWatch<?, ?> placeholder,
             Supplier<io.envoyproxy.controlplane.cache.AbstractWatch<?, ?>> create) {
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
