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

    NackGuard(SimpleCache<String> cache, Rejections rejections) {
        this.cache = cache;
        this.rejections = rejections;
    }

    @Override
    public Watch createWatch(boolean ads, XdsRequest original, Set<String> knownResourceNames,
                             Consumer<Response> responseConsumer, boolean hasClusterChanged,
                             boolean allowDefaultEmptyEdsUpdate) {
        Node streamNode = streamNode(original.v3Request().hasNode());
        XdsRequest request = streamNode == null ? original
                : XdsRequest.create(original.v3Request().toBuilder().setNode(streamNode).build());
        Node node = request.v3Request().getNode();
        Supplier<Watch> real = () -> cache.createWatch(ads, request, knownResourceNames, responseConsumer,
                hasClusterChanged, allowDefaultEmptyEdsUpdate);
        if (!mustHold(node, request.getResourceType(), request.getVersionInfo())) {
            return real.get();
        }
        Watch placeholder = new Watch(ads, allowDefaultEmptyEdsUpdate, request, responseConsumer);
        hold(new Held(node, request.getResourceType(), request.getVersionInfo(), placeholder, real::get));
        return placeholder;
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
        Supplier<DeltaWatch> real = () -> cache.createDeltaWatch(request, requesterVersion, resourceVersions,
                pendingResources, isWildcard, responseConsumer, hasClusterChanged);
        if (!mustHold(node, request.getResourceType(), requesterVersion)) {
            return real.get();
        }
        DeltaWatch placeholder = new DeltaWatch(request, resourceVersions, pendingResources, requesterVersion, isWildcard,
                responseConsumer);
        hold(new Held(node, request.getResourceType(), requesterVersion, placeholder, real::get));
        return placeholder;
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

    /** Hands every held request of {@code group} that may now be answered to the cache. */
    void release(String group) {
        List<Held> released = new ArrayList<>();
        synchronized (held) {
            held.removeIf(h -> {
                if (h.node.getCluster().equals(group) && !mustHold(h.node, h.type, h.version)) {
                    released.add(h);
                    return true;
                }
                return false;
            });
        }
        released.forEach(Held::release);
    }

    /** Requests held back right now, for status and tests. */
    int heldCount() {
        synchronized (held) {
            return held.size();
        }
    }

    private void hold(Held h) {
        synchronized (held) {
            held.add(h);
        }
        // A stream that cancels the placeholder no longer wants an answer.
        h.placeholder.setStop(() -> {
            synchronized (held) {
                held.remove(h);
            }
            h.cancelReal();
        });
    }

    private boolean mustHold(Node node, ResourceType type, String clientVersion) {
        Snapshot snapshot = cache.getSnapshot(node.getCluster());
        if (snapshot == null || type == null) {
            return false;
        }
        String current = snapshot.version(type);
        if (current.equals(clientVersion)) {
            return false; // nothing would be sent anyway
        }
        String shortType = ResourceTypes.shortName(type);
        if (rejections.rejected(node.getId(), shortType).filter(current::equals).isPresent()) {
            return true;
        }
        rejections.forgetUnless(node.getId(), shortType, current);
        return rejections.halt(node.getCluster()).isPresent();
    }

    /** A request held back, and the watch it becomes when released. */
    private static final class Held {
        final Node node;
        final ResourceType type;
        final String version;
        final io.envoyproxy.controlplane.cache.AbstractWatch<?, ?> placeholder;
        final Supplier<io.envoyproxy.controlplane.cache.AbstractWatch<?, ?>> create;
        private io.envoyproxy.controlplane.cache.AbstractWatch<?, ?> real;
        private boolean cancelled;

        Held(Node node, ResourceType type, String version, io.envoyproxy.controlplane.cache.AbstractWatch<?, ?> placeholder,
             Supplier<io.envoyproxy.controlplane.cache.AbstractWatch<?, ?>> create) {
            this.node = node;
            this.type = type;
            this.version = version;
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
