package dev.tandem.peers.sim;

import dev.tandem.peers.ControlPayload;
import dev.tandem.peers.EntryKinds;
import dev.tandem.peers.EntryMeta;
import dev.tandem.peers.Lease;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.ServedId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The invariants of ADR 0014 §6, checked as the simulation runs, and the history they need: every
 * entry created, committed, acknowledged, published, exported and every lease write.
 */
final class Checker {
    /** An invariant broke: the message names it and what broke it. */
    static final class Violation extends RuntimeException {
        final String invariant;

        Violation(String invariant, String detail) {
            super(invariant + ": " + detail);
            this.invariant = invariant;
        }
    }

    record Acked(long epoch, long index, String checksum, String node, long at) {}

    /** An entry the cluster committed at an index: its epoch, and the epoch of the node that committed it. */
    private record Committed(long epoch, String checksum, long under) {}

    private final Map<String, String> creatorOfEntry = new HashMap<>();
    private final Map<Long, String> creatorOfEpoch = new TreeMap<>();
    private final Map<Long, Committed> committed = new TreeMap<>();
    private final TreeSet<Long> lossEpochs = new TreeSet<>();
    private final List<Acked> acked = new ArrayList<>();
    private final Map<String, ServedId> published = new TreeMap<>();
    private final Map<String, String> bundles = new TreeMap<>();
    private final Map<Long, String> leaseHolders = new TreeMap<>();
    private final Set<Long> answeredWithoutWrite = new HashSet<>();
    private long leaseEpoch;
    private ServedId latest = ServedId.NONE;

    void fail(String invariant, String detail) {
        throw new Violation(invariant, detail);
    }

    // I1 ----------------------------------------------------------------------------------------

    void oneWriter(long t, List<String> writers) {
        if (writers.size() > 1) {
            fail("I1", "two writers at T=" + t / 1_000_000 + " ms: " + writers);
        }
    }

    // I6 ----------------------------------------------------------------------------------------

    void epochPersisted(String node, long before, long after) {
        if (after < before) {
            fail("I6", node + " persisted epoch " + after + " after " + before);
        }
    }

    void leaseWritten(Lease before, Lease after) {
        if (before != null && after.epoch() < before.epoch()) {
            fail("I6", "the lease went from epoch " + before.epoch() + " back to " + after.epoch());
        }
        String holder = leaseHolders.putIfAbsent(after.epoch(), after.holder());
        if (holder != null && !holder.equals(after.holder())) {
            fail("I6", "epoch " + after.epoch() + " has two lease holders: " + holder + " and " + after.holder());
        }
        leaseEpoch = Math.max(leaseEpoch, after.epoch());
    }

    /** Every entry, the first time any node stores it: its creator. */
    void stored(String node, LogEntry entry) {
        String key = entry.checksum().hex();
        if (creatorOfEntry.putIfAbsent(key, node) != null) {
            return;
        }
        String creator = creatorOfEpoch.putIfAbsent(entry.epoch(), node);
        if (creator != null && !creator.equals(node)) {
            fail(
                    "I6",
                    "entries of epoch " + entry.epoch() + " were created by " + creator + " and by " + node + " ("
                            + entry + ")");
        }
        if (entry.kind().equals(EntryKinds.EPOCH_START)
                && Boolean.TRUE.equals(ControlPayload.read(entry.payload()).get("lossAccepted"))) {
            lossEpochs.add(entry.epoch());
        }
    }

    // I4, I7 ------------------------------------------------------------------------------------

    /**
     * A node's commit index moved over {@code entries} while it was at {@code epoch}: each must be what
     * the cluster committed there, unless a failover that accepted loss came between the two commits
     * (then the later epoch's log is the truth, whichever epochs its entries carry).
     */
    void committed(String node, long epoch, List<EntryMeta> entries) {
        for (EntryMeta entry : entries) {
            String checksum = entry.checksum().hex();
            Committed before = committed.get(entry.index());
            if (before == null) {
                committed.put(entry.index(), new Committed(entry.epoch(), checksum, epoch));
            } else if (!before.checksum().equals(checksum)) {
                if (lossBetween(Math.min(before.under(), epoch), Math.max(before.under(), epoch))) {
                    // The branch a failover discarded may still be committed by a node that was cut off; keep the
                    // newer.
                    if (epoch > before.under()) {
                        committed.put(entry.index(), new Committed(entry.epoch(), checksum, epoch));
                    }
                } else {
                    fail(
                            "I4",
                            node + " (epoch " + epoch + ") committed " + entry + " where epoch " + before.under()
                                    + " committed another entry");
                }
            }
        }
    }

    private boolean lossBetween(long older, long newer) {
        Long loss = lossEpochs.ceiling(older + 1);
        return loss != null && loss <= newer;
    }

    void publishedId(String node, ServedId id, EntryMeta atIndex, long commitIndex) {
        ServedId before = published.get(node);
        if (before != null && before.isNewerThan(id)) {
            fail("I3", node + " published " + id + " after " + before);
        }
        published.put(node, id);
        if (id.index() > commitIndex) {
            fail("I7", node + " published " + id + " above its commit index " + commitIndex);
        }
        Committed at = committed.get(id.index());
        if (atIndex != null
                && at != null
                && !at.checksum().equals(atIndex.checksum().hex())
                && !lossBetween(Math.min(at.epoch(), atIndex.epoch()), Math.max(at.epoch(), atIndex.epoch()))) {
            fail("I7", node + " published " + id + " from an entry the cluster did not commit");
        }
    }

    // I9 ----------------------------------------------------------------------------------------

    void exported(String node, ServedId id, String content) {
        String key = id.epoch() + "-" + id.revision();
        String before = bundles.putIfAbsent(key, content);
        if (before != null && !before.equals(content)) {
            fail("I9", node + " exported bundle " + key + " with other content than an earlier export");
        }
        if (id.isNewerThan(latest)) {
            latest = id;
        }
    }

    // I2, I10 -----------------------------------------------------------------------------------

    void acknowledged(Acked ack) {
        acked.add(ack);
    }

    void answeredWithoutWrite(long writeId) {
        answeredWithoutWrite.add(writeId);
    }

    void granted(String node, long writeId) {
        if (answeredWithoutWrite.contains(writeId)) {
            fail("I10", node + " granted a slot to write " + writeId + " after answering it 503 or 421");
        }
    }

    /**
     * I2 and I5: every write acknowledged at an epoch below {@code epoch} is in {@code tables},
     * unless a loss was accepted at an epoch in between.
     */
    void holdsAcknowledged(String node, long epoch, Map<Long, EntryMeta> tables, String invariant) {
        for (Acked ack : acked) {
            if (ack.epoch() >= epoch || lossBetween(ack.epoch(), epoch)) {
                continue;
            }
            EntryMeta held = tables.get(ack.index());
            if (held == null || !held.checksum().hex().equals(ack.checksum())) {
                fail(
                        invariant,
                        node + " (epoch " + epoch + ") lacks the write acknowledged by " + ack.node() + " at epoch "
                                + ack.epoch() + ", index " + ack.index()
                                + (held == null ? "" : " (it holds " + held + ")"));
            }
        }
    }

    /** Whether a failover after {@code epoch} accepted the loss of acknowledged writes (which voids I2 for them). */
    boolean lossAcceptedAfter(long epoch) {
        return lossEpochs.higher(epoch) != null;
    }

    int acknowledgedCount() {
        return acked.size();
    }

    static boolean same(EntryMeta a, EntryMeta b) {
        return a != null && b != null && Objects.equals(a.checksum(), b.checksum());
    }
}
