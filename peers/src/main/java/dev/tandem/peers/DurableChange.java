package dev.tandem.peers;

import java.util.List;

/** A change to the durable state: the driver makes it durable before the next action runs (ADR 0014 §7.3). */
public sealed interface DurableChange {
    /** The highest epoch seen, its active and what to try at the next start: written before acting on it. */
    record SetEpoch(long epoch, String epochActive, RoleIntent roleIntent) implements DurableChange {}

    /**
     * Entries the machine made (epoch-start, sync-standby) or a standby received from the active,
     * stored with their effects in one transaction. Client writes are stored by the application's
     * builder instead (GrantSlot, then Appended).
     */
    record Append(List<LogEntry> entries) implements DurableChange {
        public Append {
            entries = List.copyOf(entries);
        }
    }

    /** What is committed and what is published: written before anything at or below it is served. */
    record Commit(long commitIndex, ServedId served) implements DurableChange {}

    /** Entries from {@code fromIndex} on move to the diverged table, never dropped (ADR 0014 §3.8). */
    record MoveAside(long fromIndex, long replacedByEpoch) implements DurableChange {}

    /** A verified state transfer replaces the tables and the log. */
    record InstallState(long transferId, LogBase base, List<EntryMeta> tail, long commitIndex)
            implements DurableChange {
        public InstallState {
            tail = List.copyOf(tail);
        }
    }

    /** Entries up to {@code base.index()}, all committed, leave the log; their effects stay in the tables. */
    record CompactTo(LogBase base) implements DurableChange {}

    /** The sync standby as last known (from the lease or the log). */
    record SetSync(String syncStandby) implements DurableChange {}
}
