package dev.tandem.xds.serve;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a state-of-the-world client had when its stream ended, for its reconnect to this process: kept
 * {@link #MEMORY} after the stream ends (bounded in entries whatever the churn of node ids), or taken
 * from the node's still-open older stream (a client usually reconnects before the server has noticed
 * that the old connection died). Keyed by node id and type.
 */
final class ReconnectMemory {

    /** How long what a disconnected client had is kept for its reconnect. */
    static final Duration MEMORY = Duration.ofMinutes(10);
    /** Bounds the reconnect memory whatever the churn of node ids. */
    private static final int MEMORY_ENTRIES = 200_000;

    private final Clock clock;
    private final int maxEntries;
    /** Each node id's most recent stream. */
    private final Map<String, StreamClient> liveByNode = new ConcurrentHashMap<>();
    /** Oldest first: a closed stream's entries are put again, at the end. */
    @GuardedBy("memory")
    private final LinkedHashMap<String, Remembered> memory = new LinkedHashMap<>();

    ReconnectMemory(Clock clock) {
        this(clock, MEMORY_ENTRIES);
    }

    /** @param maxEntries how many node and type entries are kept at most */
    ReconnectMemory(Clock clock, int maxEntries) {
        this.clock = clock;
        this.maxEntries = maxEntries;
    }

    /** {@code client}'s stream named its node: it becomes the node's live stream, and inherits from the one it replaces. */
    void opened(StreamClient client) {
        StreamClient older = liveByNode.put(client.nodeId, client);
        if (older != null) {
            client.inherit(older, clock.instant());
        }
    }

    /**
     * What a client that presents {@code version} on its stream's first request of {@code type} held when
     * it last talked to this process, if that is what {@code version} names. The entry is used up either way.
     */
    Optional<Holding> recall(StreamClient client, ResourceType type, String version) {
        String nodeId = client.nodeId;
        if (version.isEmpty() || nodeId == null) {
            return Optional.empty();
        }
        Remembered remembered;
        synchronized (memory) {
            remembered = memory.remove(key(nodeId, type));
        }
        Remembered inherited = client.inherited.remove(type);
        if (remembered == null) {
            remembered = inherited;
        }
        if (remembered == null) {
            return Optional.empty();
        }
        // The acknowledged state first: a response the stream sent and never saw answered may not have arrived.
        if (remembered.acked().label().equals(version)) {
            return Optional.of(remembered.acked());
        }
        if (remembered.sent() != null && remembered.sent().label().equals(version)) {
            return Optional.of(remembered.sent());
        }
        return Optional.empty();
    }

    /** {@code client}'s stream ended: what it has is kept {@link #MEMORY}, and the oldest entries beyond that or the bound go. */
    void closed(StreamClient client) {
        String nodeId = client.nodeId;
        if (nodeId == null) {
            return;
        }
        liveByNode.remove(nodeId, client);
        Instant now = clock.instant();
        synchronized (memory) {
            client.types.forEach((type, state) -> {
                String key = key(nodeId, type);
                memory.remove(key);
                memory.put(key, state.remembered(now));
            });
            Iterator<Remembered> oldest = memory.values().iterator();
            while (oldest.hasNext()) {
                Remembered r = oldest.next();
                if (memory.size() <= maxEntries && r.closedAt().plus(MEMORY).isAfter(now)) {
                    break;
                }
                oldest.remove();
            }
        }
    }

    /** How many node and type entries are kept. */
    int entries() {
        synchronized (memory) {
            return memory.size();
        }
    }

    private static String key(String nodeId, ResourceType type) {
        return nodeId + '\n' + type;
    }

    /**
     * What a stream's client held of a type when the stream ended or was superseded.
     *
     * @param sent the answer that was in flight, or {@code null}
     */
    record Remembered(Holding acked, Holding sent, Instant closedAt) {}
}
