package dev.tandem.peers;

import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.DurableChange.SetSync;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The sync standby (§3.4, T34, T35): which standby's acknowledgement a commit needs in sync mode, and
 * how the active adds, replaces and drops it, in Patroni's order. The lease records it (L3, L4), or
 * without a lease store a {@code sync-standby} entry does.
 */
final class SyncStandby extends NodePart {

    /** A standby whose acknowledgement is already required but that the record does not name yet. */
    private String pendingSync;

    private long pendingSyncMark;
    /** The sync standby the next holder write records; "" for none. */
    private String desiredSync;

    SyncStandby(Node node) {
        super(node);
    }

    /** T12: a node that stops leading keeps no sync standby. */
    void forget() {
        pendingSync = null;
        desiredSync = null;
    }

    Set<String> required() {
        Set<String> required = new TreeSet<>();
        if (settings.replication() == Replication.SYNC) {
            if (node.syncStandby != null) {
                required.add(node.syncStandby);
            }
            if (pendingSync != null) {
                required.add(pendingSync);
            }
        }
        return required;
    }

    /** The sync standby a holder's write names: the one it is changing to, else the current one. */
    String forLease() {
        return desiredSync != null ? emptyToNull(desiredSync) : node.syncStandby;
    }

    /** T34, T35: keep one sync standby, adding and dropping it in Patroni's order. */
    void manage() {
        if (settings.replication() != Replication.SYNC || settings.alone()) {
            return;
        }
        if (node.state == State.PROMOTING && !node.leader.epochStarted()) {
            return;
        }
        Replicator replicator = node.replicator;
        String syncStandby = node.syncStandby;
        if (syncStandby != null && desiredSync == null) {
            Progress sync = replicator.progressOf(syncStandby);
            long oldest = node.appender.oldestUnacknowledged(sync == null ? 0 : sync.matchIndex);
            if (oldest != NEVER && node.now - oldest >= timing.syncTimeout()) {
                String replacement = replicator.caughtUp(syncStandby);
                if (replacement != null) {
                    pendingSync = replacement;
                    pendingSyncMark = log.lastIndex();
                    node.event("sync-standby-replacing", "from", syncStandby, "to", replacement);
                } else {
                    node.event(
                            "degraded",
                            "detail",
                            syncStandby + " has not acknowledged for " + Timing.text(timing.syncTimeout())
                                    + ": recording that writes go on without a sync standby");
                    changeSync(null);
                }
            }
        }
        if (node.syncStandby == null && pendingSync == null && desiredSync == null) {
            String candidate = replicator.caughtUp(null);
            if (candidate != null) {
                pendingSync = candidate;
                pendingSyncMark = log.lastIndex();
            }
        }
        if (pendingSync != null && desiredSync == null) {
            Progress peer = replicator.progressOf(pendingSync);
            if (peer != null && peer.matchIndex >= pendingSyncMark && log.epochAt(peer.matchIndex) >= 0) {
                changeSync(pendingSync);
            } else if (peer == null || node.now - peer.lastContact >= timing.syncTimeout()) {
                pendingSync = null;
            }
        }
    }

    void changeSync(String name) {
        if (settings.leaseStore()) {
            desiredSync = name == null ? "" : name;
            if (!node.leaseWrites.inFlight() && node.lease.etag != null && !node.authority.forced) {
                node.lease.holderWrite();
            }
        } else {
            Map<String, Object> fields = new TreeMap<>();
            fields.put("name", name);
            fields.put("reason", name == null ? "the sync standby did not acknowledge" : "caught up");
            node.appender.appendOwn(LogEntry.create(
                    log.lastChecksum(),
                    node.currentEpoch,
                    log.lastIndex() + 1,
                    EntryKinds.SYNC_STANDBY,
                    0,
                    ControlPayload.write(fields)));
            node.replicator.replicate();
        }
    }

    /** A lease write recorded {@code sync}: it is the sync standby now. */
    void apply(String sync) {
        if (!Objects.equals(sync, node.syncStandby)) {
            node.event("sync-standby", "from", String.valueOf(node.syncStandby), "to", String.valueOf(sync));
        }
        node.syncStandby = sync;
        if (sync != null && sync.equals(pendingSync)) {
            pendingSync = null;
        }
        if (desiredSync != null && Objects.equals(emptyToNull(desiredSync), sync)) {
            desiredSync = null;
        }
        recordKnown(sync);
    }

    /** A {@code sync-standby} entry named {@code name}: the active follows it, every node records it. */
    void applyFromLog(String name) {
        if (node.state.role() == Role.ACTIVE || node.state == State.STANDALONE) {
            node.syncStandby = name;
            if (name != null && name.equals(pendingSync)) {
                pendingSync = null;
            }
        }
        recordKnown(name);
    }

    /** The durable record of the sync standby (§2.2): what a standby's promote report relies on. */
    void recordKnown(String name) {
        if (!Objects.equals(name, node.syncKnown)) {
            node.syncKnown = name;
            node.persist(new SetSync(name));
        }
    }

    static String syncName(byte[] payload) {
        Object name = ControlPayload.read(payload).get("name");
        return name == null ? null : name.toString();
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
