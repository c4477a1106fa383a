package dev.tandem.peers;

import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.AnswerWrite;
import dev.tandem.peers.Action.GrantSlot;
import dev.tandem.peers.ClientWrites.Held;
import dev.tandem.peers.ClientWrites.Pending;
import dev.tandem.peers.ClientWrites.Slot;
import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.WriteOutcome.Committed;
import dev.tandem.peers.WriteOutcome.Misdirected;
import dev.tandem.peers.WriteOutcome.Unavailable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Appending (§3.3): the entries the active writes itself ({@code epoch-start}, {@code sync-standby})
 * and the client writes, held until a slot is granted, stored, then pending until they commit. One
 * slot at a time; the node's own entries wait for it.
 */
final class Appender extends NodePart {
    private final List<LogEntry> ownQueue = new ArrayList<>();
    /** When each own entry not yet committed was appended: the sync standby's silence counts from it (T34). */
    private final Map<Long, Long> appendedAt = new TreeMap<>();

    Appender(Node node) {
        super(node);
    }

    /** A slot is granted, or own entries wait for one: nothing else is appended now. */
    boolean busy() {
        return writes.slot != null || !ownQueue.isEmpty();
    }

    void appendOwn(LogEntry entry) {
        if (busy()) {
            ownQueue.add(entry);
            return;
        }
        persistOwn(entry);
    }

    private void persistOwn(LogEntry entry) {
        LogEntry placed = entry.index() == log.lastIndex() + 1
                ? entry
                : LogEntry.create(
                        log.lastChecksum(),
                        entry.epoch(),
                        log.lastIndex() + 1,
                        entry.kind(),
                        entry.revision(),
                        entry.payload());
        node.persist(new Append(List.of(placed)));
        log.append(placed.meta());
        appendedAt.put(placed.index(), node.now);
        if (placed.kind().equals(EntryKinds.EPOCH_START) && placed.epoch() == node.currentEpoch) {
            node.leader.epochStartAt(placed.index());
        }
        if (placed.kind().equals(EntryKinds.SYNC_STANDBY)) {
            String name = SyncStandby.syncName(placed.payload());
            node.sync.applyFromLog(name);
        }
    }

    void flushOwn() {
        while (writes.slot == null && !ownQueue.isEmpty()) {
            persistOwn(ownQueue.remove(0));
        }
    }

    void clientWrite(long writeId, String kind) {
        if (node.state.role() == Role.STANDBY) {
            out.add(new AnswerWrite(writeId, redirect()));
            return;
        }
        if (node.state == State.FENCED && !settings.self().equals(node.epochActive) && node.epochActive != null) {
            out.add(new AnswerWrite(writeId, redirect()));
            return;
        }
        writes.held.addLast(new Held(writeId, kind, node.now));
        grant();
    }

    /** Grants the next held write a slot when this node accepts writes and nothing else is in the way. */
    void grant() {
        Held next = writes.nextHeld();
        if (next == null || busy() || !node.authority.acceptsWritesAt(node.now)) {
            return;
        }
        boolean revision = next.kind().equals(EntryKinds.REVISION);
        if (revision && log.revisionAbove(node.commitIndex)) {
            return;
        }
        writes.held.removeFirst();
        long number = revision ? log.maxRevision() + 1 : 0;
        Slot slot = new Slot(
                next.writeId(), node.currentEpoch, log.lastIndex() + 1, next.kind(), number, log.lastChecksum());
        writes.slot = slot;
        out.add(new GrantSlot(slot.writeId(), slot.epoch(), slot.index(), slot.revision(), slot.prevChecksum()));
    }

    void appended(long writeId, LogEntry entry) {
        Slot slot = writes.slot;
        if (slot == null || slot.writeId() != writeId) {
            throw new IllegalStateException("an append for write " + writeId + " that holds no slot");
        }
        if (entry.index() != slot.index()
                || entry.epoch() != slot.epoch()
                || entry.revision() != slot.revision()
                || !entry.kind().equals(slot.kind())
                || !entry.follows(slot.prevChecksum())) {
            throw new IllegalStateException("the stored entry " + entry + " is not the slot it was granted: " + slot);
        }
        writes.slot = null;
        // The entry is durable whatever happened meanwhile: it joins the log even if this node no longer leads.
        log.append(entry.meta());
        if (node.state.role() != Role.STANDBY && entry.epoch() == node.currentEpoch) {
            writes.pending.put(entry.index(), new Pending(writeId, node.now));
            appendedAt.put(entry.index(), node.now);
        } else {
            out.add(new AnswerWrite(
                    writeId,
                    new Unavailable(
                            "outcome-unknown",
                            "stored at index " + entry.index()
                                    + " after this node stopped leading: it may be moved aside",
                            5,
                            entry.index())));
        }
        flushOwn();
        node.replicator.replicate();
        node.replicator.tryCommit();
        grant();
        if (node.state.role() == Role.STANDBY) {
            node.follower.subscribeAtNextTickUnlessStreaming();
        }
    }

    void appendRefused(long writeId, String reason) {
        if (writes.slot == null || writes.slot.writeId() != writeId) {
            throw new IllegalStateException("a refusal for write " + writeId + " that holds no slot");
        }
        writes.slot = null;
        out.add(new AnswerWrite(writeId, new WriteOutcome.Refused(reason)));
        flushOwn();
        node.replicator.replicate();
        grant();
    }

    void writeTimeouts() {
        for (Held write : writes.expiredHeld(node.now, timing.writeWait())) {
            out.add(new AnswerWrite(
                    write.writeId(),
                    new Unavailable(
                            "not-accepting",
                            "this node has not accepted writes for " + Timing.text(timing.writeWait()) + " ("
                                    + node.state.name().toLowerCase(Locale.ROOT) + ")",
                            5,
                            0)));
        }
        for (Map.Entry<Long, Pending> entry : writes.pending.entrySet()) {
            Pending pending = entry.getValue();
            if (!pending.answered && node.now - pending.appendedAt >= timing.writeWait()) {
                pending.answered = true;
                out.add(new AnswerWrite(
                        pending.writeId,
                        new Unavailable(
                                "not-acknowledged",
                                "stored at index " + entry.getKey()
                                        + " but not acknowledged by the sync standby within "
                                        + Timing.text(timing.writeWait()) + ": it may still commit",
                                5,
                                entry.getKey())));
            }
        }
    }

    /** Everything up to {@code index} committed: its writes are answered, held by {@code required}. */
    void committed(long index, Set<String> required) {
        List<String> heldBy = List.copyOf(required);
        for (Map.Entry<Long, Pending> entry : writes.committedUpTo(index)) {
            Pending pending = entry.getValue();
            if (!pending.answered) {
                EntryMeta meta = log.at(entry.getKey());
                out.add(new AnswerWrite(
                        pending.writeId, new Committed(meta.epoch(), meta.index(), meta.revision(), heldBy)));
            }
        }
        appendedAt.keySet().removeIf(i -> i <= index);
    }

    /** When the oldest entry above {@code matchIndex} was appended, or NEVER. */
    long oldestUnacknowledged(long matchIndex) {
        for (Map.Entry<Long, Long> entry : appendedAt.entrySet()) {
            if (entry.getKey() > matchIndex) {
                return entry.getValue();
            }
        }
        return NEVER;
    }

    /** T12: held writes go to the active, pending ones are reported as unknown. */
    void stopLeading(String reason) {
        ownQueue.clear();
        for (Held write : writes.drainHeld()) {
            out.add(new AnswerWrite(write.writeId(), redirect()));
        }
        for (Map.Entry<Long, Pending> pending : writes.pending.entrySet()) {
            if (!pending.getValue().answered) {
                pending.getValue().answered = true;
                out.add(new AnswerWrite(
                        pending.getValue().writeId,
                        new Unavailable(
                                "outcome-unknown",
                                "stored at index " + pending.getKey() + " but not committed before " + reason
                                        + ": it may commit on the new active or be moved aside",
                                5,
                                pending.getKey())));
            }
        }
        writes.pending.clear();
        appendedAt.clear();
    }

    private WriteOutcome redirect() {
        if (node.epochActive != null && !node.epochActive.equals(settings.self())) {
            return new Misdirected(node.epochActive, node.currentEpoch);
        }
        return new Unavailable("no-active", "no active is known at epoch " + node.currentEpoch, 2, 0);
    }
}
