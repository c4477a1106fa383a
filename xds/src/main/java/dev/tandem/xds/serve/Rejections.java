package dev.tandem.xds.serve;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What data planes rejected, kept by node id so that it outlives the stream: a node that NACKed
 * version V of a type is not sent V again, on this stream or after it reconnects. And, for node groups
 * that halt on NACK, the revision whose rollout is halted.
 *
 * <p>Thread-safe.
 */
final class Rejections {

    private final Map<String, Map<String, String>> rejectedByNode = new ConcurrentHashMap<>();
    private final Map<String, RolloutHalt> halts = new ConcurrentHashMap<>();

    void reject(String nodeId, String type, String version) {
        rejectedByNode.computeIfAbsent(nodeId, n -> new ConcurrentHashMap<>()).put(type, version);
    }

    /** The version of {@code type} that {@code nodeId} last rejected, if any. */
    Optional<String> rejected(String nodeId, String type) {
        Map<String, String> byType = rejectedByNode.get(nodeId);
        return byType == null ? Optional.empty() : Optional.ofNullable(byType.get(type));
    }

    /** Forgets a rejection once its version is no longer served (it can never be sent again anyway). */
    void forgetUnless(String nodeId, String type, String stillServed) {
        Map<String, String> byType = rejectedByNode.get(nodeId);
        if (byType != null) {
            byType.computeIfPresent(type, (t, v) -> v.equals(stillServed) ? v : null);
            if (byType.isEmpty()) {
                rejectedByNode.remove(nodeId, byType);
            }
        }
    }

    /** RolloutHalts the group unless it is halted already (the first rejection names the halt). */
    void halt(String group, RolloutHalt halt) {
        halts.putIfAbsent(group, halt);
    }

    Optional<RolloutHalt> halt(String group) {
        return Optional.ofNullable(halts.get(group));
    }

    void lift(String group) {
        halts.remove(group);
    }
}
