package dev.tandem.xds.serve;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.tandem.xds.serve.ReconnectMemory.Remembered;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One state-of-the-world stream's client: the node it serves, what it holds of each type, what it
 * inherited from its node's older stream, and the assignments waiting for its next endpoints answer.
 */
final class StreamClient {

    /** Set by the stream's first request that names its node; {@code null} until then. */
    volatile String nodeId;

    final Map<ResourceType, TypeState> types = new ConcurrentHashMap<>();
    /** What the node's stream that was still live when this one started had, per type, until this one asks. */
    final Map<ResourceType, Remembered> inherited = new ConcurrentHashMap<>();

    final Rewarm rewarm = new Rewarm();

    /** Takes over what {@code older}, the node's stream still open when this one started, had. */
    void inherit(StreamClient older, Instant now) {
        older.types.forEach((type, state) -> inherited.put(type, state.remembered(now)));
    }

    /**
     * One stream's type: what the client accepted, and the response in flight. Locked by requests of the
     * stream (ACK or NACK) and by the answers of its watches: the client's answer to a response must find
     * it recorded.
     */
    static final class TypeState {
        @GuardedBy("this")
        Holding acked;
        /** The answer in flight, or {@code null} when none is. */
        @GuardedBy("this")
        Holding sent;
        /** The names of the stream's latest request of the type, interned; {@code null} before the first. */
        @GuardedBy("this")
        Set<String> requested;

        TypeState(Holding acked) {
            this.acked = acked;
        }

        /** What the client holds, to be found again by its next stream. */
        synchronized Remembered remembered(Instant at) {
            return new Remembered(acked, sent, at);
        }
    }
}
