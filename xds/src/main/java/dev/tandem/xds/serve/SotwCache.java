package dev.tandem.xds.serve;

import com.google.common.collect.ImmutableSet;
import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.WatchCancelledException;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State-of-the-world answers that carry only what a data plane does not have yet.
 *
 * <p>xDS lets a state-of-the-world response for routes, endpoints and secrets hold only some of the
 * subscribed resources (only listeners and clusters must be complete): Envoy and gRPC keep the ones a
 * response leaves out. java-control-plane's {@code SimpleCache} still sends every subscribed resource
 * of a type whenever one changes, and again to a client that reconnects: at 1,000 nodes × 1,000
 * clusters one endpoint move cost 121.6 MB (docs/benchmarks.md). This cache remembers, per stream and
 * type, which version label the client accepted and which names it holds at that label's content
 * (every resource a client holds at label L has L's content, because a response only ever leaves out
 * what the client has equal), and sends the difference.
 *
 * <p>What a client has is known exactly only from what this process sent and the client ACKed. A client
 * that reconnects to this process finds that state again (kept {@link #MEMORY} after its stream ends);
 * a client this process has not served (a peer failover, a restart) is sent every subscribed route
 * table and assignment once: its version names the content, not which names it holds, and a name it
 * had just subscribed to when its old stream broke would otherwise never arrive. Listeners and
 * clusters are complete in every response, so a matching version is enough to send nothing.
 *
 * <p>Thread-safe. Requests of one stream arrive in order on gRPC threads; snapshots are set on the
 * publisher thread. As in {@code SimpleCache}, a watch is decided and registered under the read lock
 * and a snapshot swapped under the write lock, so no watch misses a snapshot.
 */
final class SotwCache {

    private static final Logger LOG = LoggerFactory.getLogger(SotwCache.class);

    /** How long what a disconnected client had is kept for its reconnect. */
    static final Duration MEMORY = Duration.ofMinutes(10);
    /** Bounds the reconnect memory whatever the churn of node ids. */
    private static final int MEMORY_ENTRIES = 200_000;
    /** Labels per group and type whose content is kept, to diff a client that is a few revisions behind. */
    private static final int HISTORY = 8;

    private final Clock clock;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
    private final Map<String, Map<ResourceType, LinkedHashMap<String, Map<String, String>>>> history = new ConcurrentHashMap<>();
    private final Map<String, Set<OpenWatch>> open = new ConcurrentHashMap<>();
    /** Per group and type, differences between versions already computed. */
    private final Map<String, Map<String, Diff>> diffs = new ConcurrentHashMap<>();
    private final Map<Long, StreamClient> streams = new ConcurrentHashMap<>();
    /** Each node id's most recent stream. */
    private final Map<String, StreamClient> liveByNode = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, Remembered> memory = new LinkedHashMap<>();
    /** Clients of a group mostly hold the same names: one set object serves them all. */
    private final Interner<Set<String>> nameSets = Interners.newWeakInterner();

    SotwCache(Clock clock) {
        this.clock = clock;
    }

    /** What a client holds of one type: the version label it accepted, and the names it has at that content. */
    /**
     * @param requested the (interned) names the client asked for when it was answered, or {@code null}
     *                  when not known: with the same request, the next answer only needs what changed
     */
    record Holding(String label, Set<String> names, Set<String> requested) {
        static final Holding NONE = new Holding("", Set.of(), null);

        /** For listeners and clusters: a label says everything. */
        static Holding complete(String label) {
            return new Holding(label, null, null);
        }

        boolean holds(String name) {
            return names == null || names.contains(name);
        }
    }

    /**
     * Takes note of what a request says about the stream's last response of its type (ACK or NACK)
     * and, on a stream's first request of a type, of what a reconnecting client has. Called on the
     * stream's thread for every request java-control-plane hands on to the cache, before any watch is
     * created for it.
     */
    void received(long stream, Node node, DiscoveryRequest request) {
        StreamClient client = streams.computeIfAbsent(stream, StreamClient::new);
        if (client.nodeId == null && !node.getId().isEmpty()) {
            client.nodeId = node.getId();
            // A client often reconnects before this process has noticed that its old stream died.
            StreamClient older = liveByNode.put(client.nodeId, client);
            if (older != null) {
                client.inherit(older, clock.instant());
            }
        }
        ResourceType type = Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(request.getTypeUrl());
        if (type == null) {
            return;
        }
        TypeState state = client.types.computeIfAbsent(type,
                t -> new TypeState(reconnected(client, t, request.getVersionInfo(), request.getResourceNamesCount() == 0)));
        synchronized (state) {
            if (request.hasErrorDetail()) {
                state.sent = null; // rejected: the client keeps what it had
            } else if (!request.getResponseNonce().isEmpty() && state.sent != null) {
                state.acked = state.sent; // java-control-plane hands on only answers to its latest response
                state.sent = null;
            }
            if (!request.getVersionInfo().equals(state.acked.label())) {
                // The client says it has something else than what this stream knows: trust the label, not the names.
                state.acked = request.getVersionInfo().isEmpty() ? Holding.NONE
                        : labelOnly(type, request.getResourceNamesCount() == 0, request.getVersionInfo());
            }
            // Clients repeat the same names in every ACK (Envoy: all 1,000 assignments): comparing them with
            // the last request's is far cheaper than building and interning the set again (bench profile).
            List<String> names = request.getResourceNamesList();
            if (state.requested == null || state.requested.size() != names.size() || !state.requested.containsAll(names)) {
                state.requested = requested(request);
            }
            state.acked = subscribedOnly(state.acked, state.requested);
        }
    }

    /** The request's names as one shared set (empty: every resource of the type). */
    private Set<String> requested(DiscoveryRequest request) {
        return request.getResourceNamesCount() == 0 ? Set.of() : nameSets.intern(ImmutableSet.copyOf(request.getResourceNamesList()));
    }

    /** A name the client no longer subscribes to is forgotten: subscribing again must bring it anew. */
    private Holding subscribedOnly(Holding holding, Set<String> requested) {
        if (holding.names() == null || holding.names().isEmpty() || requested.isEmpty()
                || holding.requested() == requested || requested.containsAll(holding.names())) {
            return holding;
        }
        Set<String> kept = new HashSet<>(holding.names());
        kept.retainAll(requested);
        return new Holding(holding.label(), nameSets.intern(ImmutableSet.copyOf(kept)), null);
    }

    /**
     * What a client that presents {@code version} and nothing more holds: a wildcard subscriber of
     * listeners or clusters holds that version's every resource (they come complete); anyone else holds
     * that content for names unknown: the names it asks for are sent.
     */
    private static Holding labelOnly(ResourceType type, boolean wildcard, String version) {
        return isComplete(type) && wildcard ? Holding.complete(version) : new Holding(version, Set.of(), null);
    }

    private Holding reconnected(StreamClient client, ResourceType type, String version, boolean wildcard) {
        if (version.isEmpty()) {
            return Holding.NONE;
        }
        String nodeId = client.nodeId;
        Remembered remembered = null;
        if (nodeId != null) {
            synchronized (memory) {
                remembered = memory.remove(nodeId + '\n' + type);
            }
            Remembered inherited = client.inherited.remove(type);
            if (remembered == null) {
                remembered = inherited;
            }
        }
        if (remembered != null) {
            // The acknowledged state first: a response the stream sent and never saw answered may not have arrived.
            if (remembered.acked.label().equals(version)) {
                return remembered.acked;
            }
            if (remembered.sent != null && remembered.sent.label().equals(version)) {
                return remembered.sent;
            }
        }
        return labelOnly(type, wildcard, version);
    }

    /**
     * A watch for {@code request}: answered at once with what the client does not have, or kept open
     * until a snapshot brings something.
     */
    Watch createWatch(long stream, boolean ads, XdsRequest request, Consumer<Response> consumer) {
        // The watch (held by java-control-plane until the next request) keeps the request without its
        // names: an Envoy's endpoints request names every cluster, and 10,000 nodes holding 1,000 names
        // each filled a 2 GB heap; the names live on as this stream's interned set.
        XdsRequest slim = request.v3Request().getResourceNamesCount() == 0 ? request
                : XdsRequest.create(request.v3Request().toBuilder().clearResourceNames().build());
        Watch watch = new Watch(ads, false, slim, consumer);
        StreamClient client = streams.computeIfAbsent(stream, StreamClient::new);
        ResourceType type = request.getResourceType();
        String group = request.v3Request().getNode().getCluster();
        TypeState state = client.types.computeIfAbsent(type, t -> new TypeState(Holding.NONE));
        Set<String> requested;
        synchronized (state) {
            requested = state.requested != null ? state.requested : requested(request.v3Request());
        }
        OpenWatch entry = new OpenWatch(client, state, watch, type, requested);
        lock.readLock().lock();
        try {
            Snapshot snapshot = snapshots.get(group);
            if (snapshot != null && respondIfMissing(group, snapshot, entry, null)) {
                return watch;
            }
            Set<OpenWatch> watches = open.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet());
            watches.add(entry);
            watch.setStop(() -> watches.remove(entry));
            return watch;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Serves {@code snapshot} to {@code group}: every open watch that misses something is answered, in ADS order. */
    void setSnapshot(String group, Snapshot snapshot) {
        List<OpenWatch> waiting;
        lock.writeLock().lock();
        try {
            snapshots.put(group, snapshot);
            remember(group, snapshot);
            waiting = new ArrayList<>(open.getOrDefault(group, Set.of()));
        } finally {
            lock.writeLock().unlock();
        }
        Set<OpenWatch> watches = open.getOrDefault(group, Set.of());
        for (ResourceType type : Resources.RESOURCE_TYPES_IN_ORDER) {
            for (OpenWatch entry : waiting) {
                if (entry.type != type || entry.watch.isCancelled()) {
                    continue;
                }
                respondIfMissing(group, snapshot, entry, watches);
            }
        }
    }

    Snapshot snapshot(String group) {
        return snapshots.get(group);
    }

    /** The stream ended: what its client has is kept {@link #MEMORY} for its reconnect. */
    void streamClosed(long stream) {
        StreamClient client = streams.remove(stream);
        if (client == null || client.nodeId == null) {
            return;
        }
        liveByNode.remove(client.nodeId, client);
        Instant now = clock.instant();
        synchronized (memory) {
            client.types.forEach((type, state) -> {
                synchronized (state) {
                    String key = client.nodeId + '\n' + type;
                    memory.remove(key);
                    memory.put(key, new Remembered(state.acked, state.sent, now));
                }
            });
            Iterator<Remembered> oldest = memory.values().iterator();
            while (oldest.hasNext()) {
                Remembered r = oldest.next();
                if (memory.size() <= MEMORY_ENTRIES && r.closedAt.plus(MEMORY).isAfter(now)) {
                    break;
                }
                oldest.remove();
            }
        }
    }

    /** Reconnect entries held, for tests. */
    int remembered() {
        synchronized (memory) {
            return memory.size();
        }
    }

    /**
     * Answers {@code entry} with what its client lacks of {@code snapshot}, if anything. Decided, sent
     * and recorded under the stream's type lock: the client's answer to this response (handled by
     * {@link #received}) must find it recorded, and a response that was never sent must never be
     * recorded.
     *
     * @param watches the open watches {@code entry} must still be one of (and is removed from when
     *                answered), or {@code null} for a watch being created
     * @return whether a response was sent
     */
    private boolean respondIfMissing(String group, Snapshot snapshot, OpenWatch entry, Set<OpenWatch> watches) {
        synchronized (entry.state) {
            if (watches != null && !watches.contains(entry)) {
                return false;
            }
            Answer answer = answer(group, snapshot, entry);
            if (answer == null) {
                return false;
            }
            if (watches != null) {
                watches.remove(entry); // one answer per watch
            }
            try {
                entry.watch.respond(answer.response());
            } catch (WatchCancelledException e) {
                LOG.debug("a {} watch was cancelled before its answer", entry.type);
                return false;
            }
            entry.state.sent = answer.holding();
            if (answer.rewarm() != null) {
                entry.client.rewarm(answer.rewarm());
            }
            if (entry.type == ResourceType.ENDPOINT) {
                entry.client.warmed(answer.warmed());
            }
            return true;
        }
    }

    /**
     * @param rewarm  for a clusters answer, the assignments the next endpoints answer must carry
     * @param warmed  for an endpoints answer, the pending assignments it carried
     */
    private record Answer(Response response, Holding holding, Set<String> rewarm, Set<String> warmed) {
    }

    /** What {@code entry}'s client lacks of {@code snapshot}, or {@code null} when it lacks nothing. */
    private Answer answer(String group, Snapshot snapshot, OpenWatch entry) {
        ResourceType type = entry.type;
        XdsRequest xds = entry.watch.request();
        String label = snapshot.version(type);
        Map<String, VersionedResource<?>> resources = snapshot.versionedResources(type);
        Holding has = entry.state.acked;
        List<Message> send = new ArrayList<>();
        if (isComplete(type)) {
            // Listeners and clusters always go complete: every subscribed one, or all for a wildcard.
            Holding next;
            if (entry.requested.isEmpty()) {
                if (label.equals(has.label()) && has.names() == null) {
                    return null;
                }
                resources.values().forEach(r -> send.add(r.resource()));
                next = Holding.complete(label);
            } else {
                // Named (gRPC clients subscribe to the clusters their routes use): a name newly asked
                // for at the same version needs an answer too.
                Set<String> present = present(entry.requested, resources);
                if (label.equals(has.label()) && (has.names() == null || has.names().containsAll(present))) {
                    return null;
                }
                for (String name : entry.requested) {
                    VersionedResource<?> r = resources.get(name);
                    if (r != null) {
                        send.add(r.resource());
                    }
                }
                next = new Holding(label, present, entry.requested);
            }
            Set<String> rewarm = type == ResourceType.CLUSTER && entry.watch.ads()
                    ? changedAssignments(group, has.label(), resources) : null;
            return new Answer(Response.create(xds, send, label), next, rewarm, Set.of());
        }
        Set<String> warm = type == ResourceType.ENDPOINT ? entry.client.warm() : Set.of();
        Set<String> requested = entry.requested;
        Diff diff = has.names() != null && !requested.isEmpty() && has.requested() == requested
                ? diff(group, type, has.label(), label) : null;
        Set<String> holds;
        if (diff != null) {
            // The common case, cheap for 1,000s of names: the same request as last time, from a version this
            // process knows: only what changed between the two versions, and what is waiting to re-warm.
            for (String name : diff.changed()) {
                VersionedResource<?> r = resources.get(name);
                if (r != null && requested.contains(name) && !warm.contains(name)) {
                    send.add(r.resource());
                }
            }
            for (String name : new java.util.TreeSet<>(warm)) {
                VersionedResource<?> r = resources.get(name);
                if (r != null && requested.contains(name)) {
                    send.add(r.resource());
                }
            }
            holds = diff.sameNames() ? has.names() : present(requested, resources);
        } else {
            Map<String, String> before = versions(group, type, has.label());
            Iterable<String> names = requested.isEmpty() ? resources.keySet() : requested;
            Set<String> present = new HashSet<>();
            for (String name : names) {
                VersionedResource<?> r = resources.get(name);
                if (r == null) {
                    continue;
                }
                present.add(name);
                if (before == null || !has.holds(name) || !r.version().equals(before.get(name)) || warm.contains(name)) {
                    send.add(r.resource());
                }
            }
            holds = nameSets.intern(ImmutableSet.copyOf(present));
        }
        if (send.isEmpty() && label.equals(has.label())) {
            return null;
        }
        Holding next = new Holding(label, holds, requested.isEmpty() ? null : requested);
        return new Answer(Response.create(xds, send, label), next, null, warm);
    }

    private Set<String> present(Set<String> requested, Map<String, VersionedResource<?>> resources) {
        Set<String> present = new HashSet<>();
        for (String name : requested) {
            if (resources.containsKey(name)) {
                present.add(name);
            }
        }
        return nameSets.intern(ImmutableSet.copyOf(present));
    }

    /**
     * What differs between two versions of a type.
     *
     * @param changed   names whose resource differs or is new, sorted
     * @param sameNames whether both versions hold the same names
     */
    private record Diff(List<String> changed, boolean sameNames) {
    }

    /** The difference between two versions of a group's type (computed once, shared by every client), or {@code null}. */
    private Diff diff(String group, ResourceType type, String from, String to) {
        if (from.isEmpty()) {
            return null;
        }
        Map<String, Diff> diffs = this.diffs.computeIfAbsent(group + '\n' + type, k -> new java.util.concurrent.ConcurrentHashMap<>());
        String key = from + '>' + to;
        Diff cached = diffs.get(key);
        if (cached != null) {
            return cached;
        }
        Map<String, String> before = versions(group, type, from);
        Map<String, String> after = versions(group, type, to);
        if (before == null || after == null) {
            return null;
        }
        List<String> changed = new ArrayList<>();
        after.forEach((name, version) -> {
            if (!version.equals(before.get(name))) {
                changed.add(name);
            }
        });
        java.util.Collections.sort(changed);
        boolean sameNames = before.size() == after.size() && before.keySet().containsAll(after.keySet());
        Diff diff = new Diff(List.copyOf(changed), sameNames);
        if (diffs.size() > 4 * HISTORY) {
            diffs.clear();
        }
        diffs.put(key, diff);
        return diff;
    }

    /**
     * The assignments of clusters the client had and that changed: Envoy re-creates a changed cluster,
     * and the new one waits for its assignment even when the assignment did not change. (A cluster it
     * did not have brings a new assignment name, which is sent anyway.)
     */
    private Set<String> changedAssignments(String group, String previousLabel, Map<String, VersionedResource<?>> clusters) {
        if (previousLabel.isEmpty()) {
            return Set.of();
        }
        Map<String, String> before = versions(group, ResourceType.CLUSTER, previousLabel);
        Set<String> names = new HashSet<>();
        clusters.forEach((name, r) -> {
            String had = before == null ? null : before.get(name);
            // Clusters from a version this process does not know: any of them may be re-created.
            if (before == null || had != null && !r.version().equals(had)) {
                Cluster cluster = (Cluster) r.resource();
                String service = cluster.getEdsClusterConfig().getServiceName();
                names.add(service.isEmpty() ? name : service);
            }
        });
        return names;
    }

    private void remember(String group, Snapshot snapshot) {
        Map<ResourceType, LinkedHashMap<String, Map<String, String>>> types =
                history.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
        for (ResourceType type : Resources.RESOURCE_TYPES_IN_ORDER) {
            LinkedHashMap<String, Map<String, String>> labels = types.computeIfAbsent(type, t -> new LinkedHashMap<>());
            Map<String, String> versions = new java.util.HashMap<>();
            snapshot.versionedResources(type).forEach((name, r) -> versions.put(name, r.version()));
            synchronized (labels) {
                labels.remove(snapshot.version(type));
                labels.put(snapshot.version(type), Map.copyOf(versions));
                while (labels.size() > HISTORY) {
                    labels.remove(labels.keySet().iterator().next());
                }
            }
        }
    }

    /** The resource versions of {@code label}, or {@code null} when this process does not know it. */
    private Map<String, String> versions(String group, ResourceType type, String label) {
        Map<ResourceType, LinkedHashMap<String, Map<String, String>>> types = history.get(group);
        LinkedHashMap<String, Map<String, String>> labels = types == null ? null : types.get(type);
        if (labels == null || label.isEmpty()) {
            return null;
        }
        synchronized (labels) {
            return labels.get(label);
        }
    }

    private static boolean isComplete(ResourceType type) {
        return type == ResourceType.LISTENER || type == ResourceType.CLUSTER;
    }

    /** One stream's client. */
    private static final class StreamClient {
        final long stream;
        volatile String nodeId;
        /** What the node's stream that was still live when this one started had, per type, until this one asks. */
        final Map<ResourceType, Remembered> inherited = new ConcurrentHashMap<>();

        void inherit(StreamClient older, Instant now) {
            older.types.forEach((type, state) -> {
                synchronized (state) {
                    inherited.put(type, new Remembered(state.acked, state.sent, now));
                }
            });
        }
        final Map<ResourceType, TypeState> types = new ConcurrentHashMap<>();
        /** Assignments to send with the next endpoints answer, for clusters Envoy re-creates. */
        private Set<String> warm = Set.of();

        StreamClient(long stream) {
            this.stream = stream;
        }

        synchronized void rewarm(Set<String> names) {
            Set<String> all = new HashSet<>(warm);
            all.addAll(names);
            warm = Set.copyOf(all);
        }

        synchronized Set<String> warm() {
            return warm;
        }

        /** The assignments an endpoints answer carried are no longer pending; ones added since still are. */
        synchronized void warmed(Set<String> carried) {
            if (!carried.isEmpty()) {
                Set<String> left = new HashSet<>(warm);
                left.removeAll(carried);
                warm = Set.copyOf(left);
            }
        }
    }

    /** One stream's type: what the client accepted, and the response in flight. */
    private static final class TypeState {
        Holding acked;
        Holding sent;
        /** The names of the stream's latest request of the type, interned. */
        Set<String> requested;

        TypeState(Holding acked) {
            this.acked = acked;
        }
    }

    private record OpenWatch(StreamClient client, TypeState state, Watch watch, ResourceType type, Set<String> requested) {
        // Identity: two watches of one stream and type are still two watches.
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private record Remembered(Holding acked, Holding sent, Instant closedAt) {
    }
}
