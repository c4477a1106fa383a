package dev.tandem.peers;

import java.util.List;

/**
 * What a node restores at start (ADR 0014 §2.2). No monotonic time is ever part of it.
 *
 * @param epochActive the active of {@code currentEpoch}, or null when unknown
 * @param syncStandby the sync standby as this node last knew it, or null
 */
public record DurableState(
        long currentEpoch,
        String epochActive,
        RoleIntent roleIntent,
        LogBase base,
        List<EntryMeta> entries,
        long commitIndex,
        ServedId served,
        String syncStandby) {

    public DurableState {
        entries = List.copyOf(entries);
    }

    /** A node that has never run: epoch 0, nothing in the log. */
    public static DurableState fresh(String cluster, RoleIntent intent) {
        return new DurableState(0, null, intent, LogBase.empty(cluster), List.of(), 0, ServedId.NONE, null);
    }
}
