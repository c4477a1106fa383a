package dev.tandem.xds.serve;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.tandem.xds.serve.SotwAnswers.Answer;
import dev.tandem.xds.serve.StreamClient.TypeState;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.WatchCancelledException;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * ({@link Holding}), and sends the difference ({@link SotwAnswers}).
 *
 * <p>What a client has is known exactly only from what this process sent and the client ACKed. A client
 * that reconnects to this process finds that state again ({@link ReconnectMemory}); a client this
 * process has not served (a peer failover, a restart) is sent every subscribed route table and
 * assignment once: its version names the content, not which names it holds, and a name it had just
 * subscribed to when its old stream broke would otherwise never arrive. Listeners and clusters are
 * complete in every response, so a matching version is enough to send nothing.
 *
 * <p>This class owns the open watches and the snapshots they are answered from. Thread-safe. Requests of
 * one stream arrive in order on gRPC threads; snapshots are set on the publisher thread. As in
 * {@code SimpleCache}, a watch is decided and registered under the read lock and a snapshot swapped
 * under the write lock, so no watch misses a snapshot.
 */
final class SotwCache {

    private static final Logger LOG = LoggerFactory.getLogger(SotwCache.class);

    private final ReconnectMemory reconnects;
    private final LabelHistory history = new LabelHistory();
    private final NameSets nameSets = new NameSets();
    private final SotwAnswers answers = new SotwAnswers(nameSets);
    private final Map<Long, StreamClient> streams = new ConcurrentHashMap<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    @GuardedBy("lock")
    private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
    /** Per group; a watch leaves its set (answered or cancelled) without the lock: the sets are concurrent. */
    @GuardedBy("lock")
    private final Map<String, Set<OpenWatch>> open = new ConcurrentHashMap<>();

    SotwCache(Clock clock) {
        this(new ReconnectMemory(clock));
    }

    /** @param reconnects where what clients had is kept for their reconnect (a test may look into it) */
    SotwCache(ReconnectMemory reconnects) {
        this.reconnects = reconnects;
    }

    /**
     * Takes note of what a request says about the stream's last response of its type (ACK or NACK)
     * and, on a stream's first request of a type, of what a reconnecting client has. Called on the
     * stream's thread for every request java-control-plane hands on to the cache, before any watch is
     * created for it.
     */
    void received(long stream, Node node, DiscoveryRequest request) {
        StreamClient client = streams.computeIfAbsent(stream, s -> new StreamClient());
        if (client.nodeId == null && !node.getId().isEmpty()) {
            client.nodeId = node.getId();
            reconnects.opened(client);
        }
        ResourceType type = Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(request.getTypeUrl());
        if (type == null) {
            return;
        }
        TypeState state = client.types.computeIfAbsent(type, t -> new TypeState(reconnected(client, t, request)));
        synchronized (state) {
            if (request.hasErrorDetail()) {
                state.sent = null; // rejected: the client keeps what it had
            } else if (!request.getResponseNonce().isEmpty() && state.sent != null) {
                state.acked = state.sent; // java-control-plane hands on only answers to its latest response
                state.sent = null;
            }
            if (!request.getVersionInfo().equals(state.acked.label())) {
                // The client says it has something else than what this stream knows: trust the label, not the names.
                state.acked =
                        SotwAnswers.presented(type, request.getResourceNamesCount() == 0, request.getVersionInfo());
            }
            // Clients repeat the same names in every ACK (Envoy: all 1,000 assignments): comparing them with
            // the last request's is far cheaper than building and interning the set again (bench profile).
            List<String> names = request.getResourceNamesList();
            if (state.requested == null
                    || state.requested.size() != names.size()
                    || !state.requested.containsAll(names)) {
                state.requested = nameSets.requested(request);
            }
            state.acked = answers.subscribedOnly(state.acked, state.requested);
        }
    }

    /** What a client holds on its stream's first request of {@code type}: what this process knows it had, or what its version says. */
    private Holding reconnected(StreamClient client, ResourceType type, DiscoveryRequest request) {
        String version = request.getVersionInfo();
        boolean wildcard = request.getResourceNamesCount() == 0;
        return reconnects.recall(client, type, version).orElseGet(() -> SotwAnswers.presented(type, wildcard, version));
    }

    /**
     * A watch for {@code request}: answered at once with what the client does not have, or kept open
     * until a snapshot brings something.
     */
    Watch createWatch(long stream, boolean ads, XdsRequest request, Consumer<Response> consumer) {
        // The watch (held by java-control-plane until the next request) keeps the request without its
        // names: an Envoy's endpoints request names every cluster, and 10,000 nodes holding 1,000 names
        // each filled a 2 GB heap; the names live on as this stream's interned set.
        XdsRequest slim = request.v3Request().getResourceNamesCount() == 0
                ? request
                : XdsRequest.create(
                        request.v3Request().toBuilder().clearResourceNames().build());
        Watch watch = new Watch(ads, false, slim, consumer);
        StreamClient client = streams.computeIfAbsent(stream, s -> new StreamClient());
        ResourceType type = request.getResourceType();
        String group = request.v3Request().getNode().getCluster();
        TypeState state = client.types.computeIfAbsent(type, t -> new TypeState(Holding.NONE));
        Set<String> requested;
        synchronized (state) {
            requested = state.requested != null ? state.requested : nameSets.requested(request.v3Request());
        }
        OpenWatch entry = new OpenWatch(client, state, watch, type, requested);
        lock.readLock().lock();
        try {
            Snapshot snapshot = snapshots.get(group);
            if (snapshot != null && answerNew(group, snapshot, entry)) {
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
        Set<OpenWatch> watches;
        List<OpenWatch> waiting;
        lock.writeLock().lock();
        try {
            snapshots.put(group, snapshot);
            history.remember(group, snapshot);
            watches = open.getOrDefault(group, Set.of());
            waiting = new ArrayList<>(watches);
        } finally {
            lock.writeLock().unlock();
        }
        for (ResourceType type : Resources.RESOURCE_TYPES_IN_ORDER) {
            for (OpenWatch entry : waiting) {
                if (entry.type() != type || entry.watch().isCancelled()) {
                    continue;
                }
                answerOpen(group, snapshot, entry, watches);
            }
        }
    }

    Snapshot snapshot(String group) {
        lock.readLock().lock();
        try {
            return snapshots.get(group);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The stream ended: what its client has is kept {@link ReconnectMemory#MEMORY} for its reconnect. */
    void streamClosed(long stream) {
        StreamClient client = streams.remove(stream);
        if (client != null) {
            reconnects.closed(client);
        }
    }

    /**
     * Answers a watch being created with what its client lacks of {@code snapshot}, if anything. Decided,
     * sent and recorded under the stream's type lock: the client's answer to this response (handled by
     * {@link #received}) must find it recorded, and a response that was never sent must never be recorded.
     *
     * @return whether a response was sent
     */
    private boolean answerNew(String group, Snapshot snapshot, OpenWatch entry) {
        synchronized (entry.state()) {
            Optional<Answer> answer = answer(group, snapshot, entry);
            return answer.isPresent() && send(entry, answer.get());
        }
    }

    /**
     * Answers an open watch, as {@link #answerNew}, if it is still one of {@code watches}; once answered it
     * leaves them (one answer per watch).
     */
    private void answerOpen(String group, Snapshot snapshot, OpenWatch entry, Set<OpenWatch> watches) {
        synchronized (entry.state()) {
            if (!watches.contains(entry)) {
                return;
            }
            Optional<Answer> answer = answer(group, snapshot, entry);
            if (answer.isEmpty()) {
                return;
            }
            watches.remove(entry);
            send(entry, answer.get());
        }
    }

    /** What {@code entry}'s client lacks of {@code snapshot}; called holding {@code entry}'s type lock. */
    private Optional<Answer> answer(String group, Snapshot snapshot, OpenWatch entry) {
        ResourceType type = entry.type();
        return answers.answer(
                type,
                entry.watch().ads(),
                entry.requested(),
                entry.state().acked,
                entry.client().rewarm.pending(),
                snapshot.version(type),
                snapshot.versionedResources(type),
                history.of(group, type));
    }

    /**
     * Sends {@code answer} and records it as the response in flight; called holding {@code entry}'s type lock.
     *
     * @return whether it was sent (the watch may have been cancelled meanwhile)
     */
    private static boolean send(OpenWatch entry, Answer answer) {
        Watch watch = entry.watch();
        try {
            watch.respond(Response.create(
                    watch.request(), answer.resources(), answer.holding().label()));
        } catch (WatchCancelledException e) {
            LOG.debug("a {} watch was cancelled before its answer", entry.type());
            return false;
        }
        entry.state().sent = answer.holding();
        if (!answer.rewarm().isEmpty()) {
            entry.client().rewarm.add(answer.rewarm());
        }
        if (entry.type() == ResourceType.ENDPOINT) {
            entry.client().rewarm.carried(answer.warmed());
        }
        return true;
    }

    private record OpenWatch(
            StreamClient client, TypeState state, Watch watch, ResourceType type, Set<String> requested) {
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
}
