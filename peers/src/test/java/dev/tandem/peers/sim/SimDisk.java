package dev.tandem.peers.sim;

import dev.tandem.peers.DurableChange;
import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.DurableChange.Commit;
import dev.tandem.peers.DurableChange.CompactTo;
import dev.tandem.peers.DurableChange.InstallState;
import dev.tandem.peers.DurableChange.MoveAside;
import dev.tandem.peers.DurableChange.SetEpoch;
import dev.tandem.peers.DurableChange.SetSync;
import dev.tandem.peers.DurableState;
import dev.tandem.peers.EntryKinds;
import dev.tandem.peers.EntryMeta;
import dev.tandem.peers.LogBase;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.ServedId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One node's durable state, as Kafka's MockLog models it: a change is staged first and becomes
 * durable at its flush; a crash drops whatever is staged. "Tables" are the effects of every entry
 * applied, which a state transfer replaces and a compaction keeps.
 */
final class SimDisk {
    /** A state transfer as it arrived: the sender's tables and its log after its base. */
    record Transfer(LogBase base, List<LogEntry> tail, Map<Long, EntryMeta> tables, Map<Long, byte[]> revisions) {}

    record Diverged(LogEntry entry, long replacedBy) {}

    private record Staged(long seq, DurableChange change) {}

    final List<LogEntry> log = new ArrayList<>();
    final List<Diverged> diverged = new ArrayList<>();
    long epoch;
    String epochActive;
    RoleIntent intent;
    LogBase base;
    long commitIndex;
    ServedId served = ServedId.NONE;
    String sync;
    /** The effect of every entry in force, by index (compacted ones included). */
    Map<Long, EntryMeta> tables = new TreeMap<>();
    /** Revision number → the checksum of the entry that made it. */
    Map<Long, byte[]> revisions = new TreeMap<>();

    private final ArrayDeque<Staged> staged = new ArrayDeque<>();
    private final Map<Long, Transfer> transfers = new TreeMap<>();
    private final Predicate<DurableChange> dropped;
    private long sequence;

    SimDisk(String cluster, RoleIntent intent, Predicate<DurableChange> dropped) {
        this.base = LogBase.empty(cluster);
        this.intent = intent;
        this.dropped = dropped;
    }

    long stage(DurableChange change) {
        staged.addLast(new Staged(++sequence, change));
        return sequence;
    }

    void stageTransfer(long id, Transfer transfer) {
        transfers.put(id, transfer);
    }

    /** Makes every change staged up to {@code seq} durable, in order (an fsync). */
    void flush(long seq, Checker checker, String node) {
        while (!staged.isEmpty() && staged.peekFirst().seq() <= seq) {
            DurableChange change = staged.removeFirst().change();
            if (!dropped.test(change)) {
                apply(change, checker, node);
            }
        }
    }

    void crash() {
        staged.clear();
    }

    long lastIndex() {
        return base.index() + log.size();
    }

    LogEntry entry(long index) {
        return log.get((int) (index - base.index() - 1));
    }

    boolean holds(long index) {
        return index > base.index() && index <= lastIndex();
    }

    private void apply(DurableChange change, Checker checker, String node) {
        switch (change) {
            case SetEpoch set -> {
                checker.epochPersisted(node, epoch, set.epoch());
                epoch = set.epoch();
                epochActive = set.epochActive();
                intent = set.roleIntent();
            }
            case Append append -> {
                for (LogEntry entry : append.entries()) {
                    if (entry.index() != lastIndex() + 1) {
                        checker.fail("I8", node + " stored entry " + entry.index() + " after " + lastIndex());
                    }
                    log.add(entry);
                    effect(entry);
                }
            }
            case Commit commit -> {
                commitIndex = commit.commitIndex();
                served = commit.served();
            }
            case MoveAside moveAside -> {
                while (!log.isEmpty() && lastIndex() >= moveAside.fromIndex()) {
                    LogEntry entry = log.remove(log.size() - 1);
                    diverged.add(new Diverged(entry, moveAside.replacedByEpoch()));
                }
            }
            case InstallState install -> {
                Transfer transfer = transfers.remove(install.transferId());
                if (transfer == null) {
                    checker.fail("I8", node + " installs transfer " + install.transferId() + " that was never staged");
                    return;
                }
                for (LogEntry entry : log) {
                    EntryMeta kept = transfer.tables().get(entry.index());
                    boolean same = kept != null && kept.checksum().equals(entry.checksum());
                    if (!same && diverged.stream().noneMatch(d -> d.entry().equals(entry))) {
                        checker.fail("I8", node + " lost entry " + entry + " at a state install");
                    }
                }
                base = install.base();
                log.clear();
                log.addAll(transfer.tail());
                tables = new TreeMap<>(transfer.tables());
                revisions = new TreeMap<>(transfer.revisions());
                commitIndex = install.commitIndex();
            }
            case CompactTo compact -> {
                if (compact.base().index() > commitIndex) {
                    checker.fail(
                            "I8",
                            node + " compacts to " + compact.base().index() + " above its commit index " + commitIndex);
                }
                log.subList(0, (int) (compact.base().index() - base.index())).clear();
                base = compact.base();
            }
            case SetSync set -> sync = set.syncStandby();
        }
    }

    private void effect(LogEntry entry) {
        tables.put(entry.index(), entry.meta());
        if (entry.kind().equals(EntryKinds.REVISION)) {
            revisions.put(entry.revision(), entry.checksum().bytes());
        }
    }

    DurableState durableState() {
        List<EntryMeta> metas = log.stream().map(LogEntry::meta).toList();
        return new DurableState(epoch, epochActive, intent, base, metas, commitIndex, served, sync);
    }

    Transfer snapshot() {
        return new Transfer(base, List.copyOf(log), new TreeMap<>(tables), new TreeMap<>(revisions));
    }
}
