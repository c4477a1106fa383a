package dev.tandem.xds.serve;

import dev.tandem.xds.snapshot.XdsType;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What data planes rejected, kept by node id so that it outlives the stream: a node that NACKed
 * version V of a type is not sent V again, on this stream or after it reconnects. And, for node groups
 * that halt on NACK, the revision whose rollout is halted. The ledger of {@link NackGuard}, which alone
 * reads and writes it.
 *
 * <p>Thread-safe.
 */
final class Rejections {

    private record Rejection(String group, String version) {}

    private final Map<String, Map<XdsType, Rejection>> rejectedByNode = new ConcurrentHashMap<>();
    private final Map<String, RolloutHalt> halts = new ConcurrentHashMap<>();

    void reject(String nodeId, String group, XdsType type, String version) {
        rejectedByNode.computeIfAbsent(nodeId, n -> new ConcurrentHashMap<>()).put(type, new Rejection(group, version));
    }

    /** The version of {@code type} that {@code nodeId} last rejected, if any. */
    Optional<String> rejected(String nodeId, XdsType type) {
        Map<XdsType, Rejection> byType = rejectedByNode.get(nodeId);
        return byType == null
                ? Optional.empty()
                : Optional.ofNullable(byType.get(type)).map(Rejection::version);
    }

    /**
     * Forgets the rejections of {@code group} whose version is no longer served: such a version can
     * never be sent again anyway. Keeps the ledger bounded by the versions being served.
     */
    void prune(String group, Function<XdsType, String> currentVersionOfType) {
        rejectedByNode
                .values()
                .forEach(byType -> byType.entrySet()
                        .removeIf(e -> e.getValue().group().equals(group)
                                && !e.getValue().version().equals(currentVersionOfType.apply(e.getKey()))));
        rejectedByNode.values().removeIf(Map::isEmpty);
    }

    /** Halts the group unless it is halted already (the first rejection names the halt). */
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
