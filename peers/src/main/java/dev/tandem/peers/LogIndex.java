package dev.tandem.peers;

import java.util.ArrayList;
import java.util.List;

/**
 * The machine's view of its log: every entry's metadata from {@code firstIndex} on, and the base
 * before it. Payloads stay in the store; the machine needs only chain checksums, epochs, kinds and
 * revision numbers to decide.
 */
final class LogIndex {
    private final List<EntryMeta> entries;
    private LogBase base;

    LogIndex(LogBase base, List<EntryMeta> entries) {
        this.base = base;
        this.entries = new ArrayList<>(entries);
        long expected = base.index() + 1;
        for (EntryMeta entry : entries) {
            if (entry.index() != expected++) {
                throw new IllegalArgumentException("the restored log has a gap before index " + entry.index());
            }
        }
    }

    LogBase base() {
        return base;
    }

    long firstIndex() {
        return base.index() + 1;
    }

    long lastIndex() {
        return base.index() + entries.size();
    }

    boolean holds(long index) {
        return index > base.index() && index <= lastIndex();
    }

    /** The entry's metadata; the index must be held. */
    EntryMeta at(long index) {
        if (!holds(index)) {
            throw new IllegalArgumentException("index " + index + " is not in " + firstIndex() + ".." + lastIndex());
        }
        return entries.get((int) (index - base.index() - 1));
    }

    /** The chain checksum at an index from the base on, or null when it is compacted away or beyond the end. */
    Checksum checksumAt(long index) {
        if (index == base.index()) {
            return base.checksum();
        }
        return holds(index) ? at(index).checksum() : null;
    }

    long epochAt(long index) {
        if (index == base.index()) {
            return base.entryEpoch();
        }
        return at(index).epoch();
    }

    /** The epoch of any index up to the last, compacted ones included; 0 for index 0. */
    long epochOfAny(long index) {
        return index > base.index()
                ? at(index).epoch()
                : index == base.index() ? base.entryEpoch() : base.epochAt(index);
    }

    Checksum lastChecksum() {
        return checksumAt(lastIndex());
    }

    long lastEntryEpoch() {
        return epochAt(lastIndex());
    }

    void append(EntryMeta entry) {
        if (entry.index() != lastIndex() + 1) {
            throw new IllegalArgumentException("append at " + entry.index() + " after " + lastIndex());
        }
        entries.add(entry);
    }

    /** Drops every entry from {@code fromIndex} on and returns them. */
    List<EntryMeta> truncateFrom(long fromIndex) {
        int keep = (int) Math.max(0, fromIndex - base.index() - 1);
        List<EntryMeta> dropped = new ArrayList<>(entries.subList(keep, entries.size()));
        entries.subList(keep, entries.size()).clear();
        return dropped;
    }

    /** The newest revision and the epoch that stamps it at a position (ADR 0014 §3.6). */
    ServedId identityAt(long index) {
        long epoch = -1;
        for (long i = index; i > base.index(); i--) {
            EntryMeta entry = at(i);
            boolean stamps =
                    entry.kind().equals(EntryKinds.REVISION) || entry.kind().equals(EntryKinds.EPOCH_START);
            if (epoch < 0 && stamps) {
                epoch = entry.epoch();
            }
            if (entry.kind().equals(EntryKinds.REVISION)) {
                return new ServedId(epoch, entry.revision(), index);
            }
        }
        ServedId before = base.identity();
        return new ServedId(epoch < 0 ? before.epoch() : epoch, before.revision(), index);
    }

    /**
     * The highest revision number used or reserved: a revision's own, or the one an epoch-start
     * reserved after a failover (§3.6), whichever entry is newer (numbers only grow along the log).
     */
    long maxRevision() {
        return maxRevisionUpTo(lastIndex());
    }

    /** Whether an uncommitted revision sits above {@code commitIndex} (one revision in flight, §3.4). */
    boolean revisionAbove(long commitIndex) {
        for (long i = lastIndex(); i > Math.max(commitIndex, base.index()); i--) {
            if (at(i).kind().equals(EntryKinds.REVISION)) {
                return true;
            }
        }
        return false;
    }

    /** The highest index whose entry has an epoch at most {@code epoch}, bounded by {@code limit}. */
    long lastIndexOfEpochAtMost(long epoch, long limit) {
        for (long i = Math.min(limit, lastIndex()); i > base.index(); i--) {
            if (at(i).epoch() <= epoch) {
                return i;
            }
        }
        return base.index();
    }

    /** Compacts the entries up to {@code index} into the base. */
    void compactTo(long index) {
        if (index <= base.index()) {
            return;
        }
        EntryMeta last = at(index);
        List<EpochSpan> epochs = new ArrayList<>(base.epochs());
        for (long i = base.index() + 1; i <= index; i++) {
            long epoch = at(i).epoch();
            if (epochs.isEmpty() || epochs.get(epochs.size() - 1).epoch() != epoch) {
                epochs.add(new EpochSpan(epoch, i));
            }
        }
        LogBase compacted =
                new LogBase(index, last.epoch(), last.checksum(), identityAt(index), maxRevisionUpTo(index), epochs);
        entries.subList(0, (int) (index - base.index())).clear();
        base = compacted;
    }

    private long maxRevisionUpTo(long index) {
        for (long i = index; i > base.index(); i--) {
            EntryMeta entry = at(i);
            if (entry.kind().equals(EntryKinds.REVISION) || entry.kind().equals(EntryKinds.EPOCH_START)) {
                return entry.revision();
            }
        }
        return base.maxRevision();
    }

    /** Replaces everything with a transferred state: its base and the entries after it. */
    void install(LogBase newBase, List<EntryMeta> tail) {
        base = newBase;
        entries.clear();
        entries.addAll(tail);
    }

    List<EntryMeta> range(long fromIndex, long toIndex) {
        List<EntryMeta> out = new ArrayList<>();
        for (long i = fromIndex; i <= toIndex; i++) {
            out.add(at(i));
        }
        return out;
    }
}
