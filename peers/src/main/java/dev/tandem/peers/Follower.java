package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.DurableChange.Commit;
import dev.tandem.peers.PeerMessage.Ack;
import dev.tandem.peers.PeerMessage.Diverging;
import dev.tandem.peers.PeerMessage.Entries;
import dev.tandem.peers.PeerMessage.Heartbeat;
import dev.tandem.peers.PeerMessage.NeedState;
import dev.tandem.peers.PeerMessage.Refused;
import dev.tandem.peers.PeerMessage.Subscribe;
import java.util.ArrayList;
import java.util.List;

/**
 * The standby's side of the stream (§3.4, §3.8, T29 to T31): it subscribes to the active of its
 * epoch, checks every entry against its chain, appends and acknowledges them, commits what the
 * active announces, and searches back for the fork when its log diverged. Below its log the search
 * goes on as a {@link StateTransfer}.
 */
final class Follower extends NodePart {
    /** When the active last said it may commit: what this node answers a HeardQuery with (T22 (c)). */
    long heardWritableAt = NEVER;

    /** The active whose stream this node follows, once a batch from it verified; null while it subscribes. */
    private String streamFrom;

    private long verifiedUpTo;
    /** Where the fork search subscribes from, or -1 while it subscribes from the end of the log. */
    private long probeIndex = -1;

    private long nextSubscribeAt = NEVER;
    private long nextAckAt = NEVER;

    Follower(Node node) {
        super(node);
    }

    void subscribeTimer() {
        if (streamFrom == null && node.now >= nextSubscribeAt) {
            subscribe();
        }
    }

    void ackTimer() {
        if (streamFrom != null && node.now >= nextAckAt) {
            ack();
        }
    }

    /** A slot stored after this node stopped leading held back its Subscribe: it subscribes at the next tick. */
    void subscribeAtNextTickUnlessStreaming() {
        if (streamFrom == null) {
            nextSubscribeAt = node.now;
        }
    }

    void linkUp(String peer) {
        if (peer.equals(node.epochActive) && node.state == State.FOLLOWING) {
            nextSubscribeAt = node.now;
            subscribe();
        }
    }

    void linkDown(String peer) {
        if (peer.equals(streamFrom)) {
            streamFrom = null;
            nextSubscribeAt = node.now + 200 * MS;
        }
    }

    /** This node stops following: it leads now. */
    void leaveStream() {
        streamFrom = null;
    }

    /** A state transfer replaces the stream and the fork search. */
    void awaitState() {
        streamFrom = null;
        probeIndex = -1;
    }

    /** A state transfer was installed: the log is verified to its end, and the stream starts again from there. */
    void transferred() {
        verifiedUpTo = log.lastIndex();
        streamFrom = null;
        probeIndex = -1;
        nextSubscribeAt = node.now;
        subscribe();
    }

    void follow() {
        streamFrom = null;
        probeIndex = -1;
        nextSubscribeAt = node.now;
        if (node.epochActive == null || node.epochActive.equals(settings.self())) {
            if (settings.leaseStore()) {
                node.lease.pollAtNextTick();
            } else {
                node.roles.askAtNextTick();
            }
            return;
        }
        subscribe();
    }

    private void subscribe() {
        if (node.state != State.FOLLOWING
                || node.epochActive == null
                || node.epochActive.equals(settings.self())
                || writes.slot != null) {
            return;
        }
        nextSubscribeAt = node.now + 1000 * MS;
        if (probeIndex >= 0 && probeIndex < log.base().index()) {
            // The fork search went below what this node still holds: the state transfer finds the fork.
            node.transfer.requestState();
            return;
        }
        long position = probeIndex >= 0 ? probeIndex : log.lastIndex();
        node.send(
                node.epochActive,
                new Subscribe(
                        node.header(),
                        position,
                        log.epochAt(position),
                        log.checksumAt(position),
                        node.commitIndex,
                        PeerMessage.PROTOCOL));
    }

    boolean fromActive(String from, PeerMessage message) {
        return from.equals(node.epochActive)
                && message.header().epoch() == node.currentEpoch
                && node.state.role() == Role.STANDBY;
    }

    void onEntries(String from, Entries entries) {
        if (!fromActive(from, entries)) {
            if (!from.equals(node.epochActive)) {
                node.send(
                        from,
                        new Refused(
                                node.header(),
                                "not-active",
                                from + " is not the active of epoch " + node.currentEpoch,
                                node.epochActive,
                                node.currentEpoch));
            }
            return;
        }
        if (node.state == State.TRANSFERRING || writes.slot != null) {
            return;
        }
        node.switchover.heardFromActive();
        node.knownCommit = Math.max(node.knownCommit, entries.commitIndex());
        long expected = streamFrom == null ? (probeIndex >= 0 ? probeIndex : log.lastIndex()) : verifiedUpTo;
        if (entries.prevIndex() != expected) {
            if (streamFrom != null) {
                node.send(
                        from,
                        new Refused(
                                node.header(),
                                "gap",
                                "expected entries after " + expected + ", got after " + entries.prevIndex(),
                                null,
                                0));
                streamFrom = null;
                nextSubscribeAt = node.now;
            }
            return;
        }
        Checksum mine = log.checksumAt(entries.prevIndex());
        if (mine == null || !mine.equals(entries.prevChecksum())) {
            node.send(
                    from,
                    new Refused(
                            node.header(),
                            "chain-mismatch",
                            "the entry at " + entries.prevIndex() + " differs",
                            null,
                            0));
            streamFrom = null;
            nextSubscribeAt = node.now;
            return;
        }
        streamFrom = from;
        probeIndex = -1;
        List<LogEntry> fresh = new ArrayList<>();
        Checksum prev = entries.prevChecksum();
        long index = entries.prevIndex();
        for (LogEntry entry : entries.entries()) {
            if (entry.index() != index + 1
                    || !entry.follows(prev)
                    || entry.epoch() > entries.header().epoch()
                    || entry.epoch()
                            < (index >= log.firstIndex() || index == log.base().index() ? epochAtOrZero(index) : 0)) {
                node.send(
                        from,
                        new Refused(
                                node.header(),
                                "truncated",
                                "entry " + (index + 1) + " does not follow the chain",
                                null,
                                0));
                node.event("refused", "reason", "truncated", "from", from, "index", index + 1);
                streamFrom = null;
                nextSubscribeAt = node.now;
                appendFresh(fresh);
                return;
            }
            if (fresh.isEmpty() && log.holds(entry.index())) {
                if (log.checksumAt(entry.index()).equals(entry.checksum())) {
                    prev = entry.checksum();
                    index = entry.index();
                    continue;
                }
                if (entry.index() <= node.commitIndex && entry.epoch() > log.epochAt(entry.index())) {
                    // A later epoch replaced entries this node saw committed: a failover that accepted loss
                    // (async with allowDataLoss, or a promote confirmed with acceptDataLoss). They are kept aside.
                    node.event(
                            "alert",
                            "detail",
                            "committed entries from " + entry.index() + " were replaced by epoch " + entry.epoch()
                                    + " after a failover that accepted loss; they are moved aside");
                    node.commitIndex = entry.index() - 1;
                    node.persist(new Commit(node.commitIndex, node.served));
                    moveAside(entry.index());
                    return;
                }
                if (entry.index() <= node.commitIndex) {
                    node.send(
                            from,
                            new Refused(
                                    node.header(),
                                    "replayed",
                                    "entry " + entry.index() + " differs from a committed one",
                                    null,
                                    0));
                    node.event(
                            "alert",
                            "detail",
                            "entry " + entry.index() + " from " + from + " differs from a committed entry");
                    streamFrom = null;
                    nextSubscribeAt = node.now + 1000 * MS;
                    return;
                }
                moveAside(entry.index());
                return;
            }
            fresh.add(entry);
            prev = entry.checksum();
            index = entry.index();
        }
        appendFresh(fresh);
        verifiedUpTo = index;
        if (verifiedUpTo == entries.activeLastIndex() && log.lastIndex() > verifiedUpTo) {
            moveAside(verifiedUpTo + 1);
            return;
        }
        followerCommit(entries.commitIndex());
        ack();
    }

    private long epochAtOrZero(long index) {
        return index == log.base().index() || log.holds(index) ? log.epochAt(index) : 0;
    }

    private void appendFresh(List<LogEntry> fresh) {
        if (fresh.isEmpty()) {
            return;
        }
        node.persist(new Append(fresh));
        String sync = null;
        boolean syncSeen = false;
        for (LogEntry entry : fresh) {
            log.append(entry.meta());
            if (entry.kind().equals(EntryKinds.SYNC_STANDBY)) {
                sync = SyncStandby.syncName(entry.payload());
                syncSeen = true;
            }
        }
        if (syncSeen && !settings.leaseStore()) {
            node.sync.applyFromLog(sync);
        }
    }

    /** §3.8: entries past the fork go to the diverged table in one transaction, then a state transfer. */
    private void moveAside(long fromIndex) {
        node.transfer.moveAside(fromIndex);
        verifiedUpTo = Math.min(verifiedUpTo, log.lastIndex());
        node.transfer.requestState();
    }

    void onHeartbeat(String from, Heartbeat heartbeat) {
        if (!fromActive(from, heartbeat)) {
            return;
        }
        node.switchover.heardFromActive();
        if (heartbeat.mayCommit()) {
            heardWritableAt = node.now;
        }
        node.knownCommit = Math.max(node.knownCommit, heartbeat.commitIndex());
        if (streamFrom != null
                && (heartbeat.streamedThrough() == Heartbeat.NOT_STREAMING
                        || heartbeat.streamedThrough() > verifiedUpTo)) {
            // The stream is FIFO: entries sent before this heartbeat and not here were dropped on the way
            // (or the active stopped streaming to this node without it hearing). Without a new write
            // nothing else would resend them, so the stream starts again from what this node holds.
            node.event(
                    "resubscribe",
                    "from",
                    from,
                    "streamedThrough",
                    heartbeat.streamedThrough(),
                    "verifiedUpTo",
                    verifiedUpTo);
            streamFrom = null;
            nextSubscribeAt = node.now;
        }
        if (streamFrom == null) {
            if (node.state == State.FOLLOWING && node.now >= nextSubscribeAt) {
                subscribe();
            }
            return;
        }
        followerCommit(heartbeat.commitIndex());
    }

    private void followerCommit(long announced) {
        long index = Math.min(Math.min(announced, verifiedUpTo), log.lastIndex());
        if (streamFrom == null
                || index <= node.commitIndex
                || index < log.base().index()) {
            return;
        }
        node.commitTo(index);
    }

    private void ack() {
        if (streamFrom == null) {
            return;
        }
        nextAckAt = node.now + timing.ackInterval();
        node.send(streamFrom, new Ack(node.header(), log.lastIndex(), log.lastChecksum(), node.serving));
    }

    void onDiverging(String from, Diverging diverging) {
        if (!fromActive(from, diverging) || node.state == State.TRANSFERRING) {
            return;
        }
        node.knownCommit = Math.max(node.knownCommit, diverging.commitIndex());
        long position = probeIndex >= 0 ? probeIndex : log.lastIndex();
        long next = Math.min(diverging.endIndex(), position - 1);
        if (next < log.base().index()) {
            // Below what this node still holds: the state transfer's epoch history finds the fork.
            node.transfer.requestState();
            return;
        }
        probeIndex = next;
        nextSubscribeAt = node.now;
        subscribe();
    }

    void onNeedState(String from, NeedState needState) {
        if (from.equals(node.epochActive) && node.state == State.FOLLOWING) {
            // What the active has committed tells this node how far behind it is: past maxServeLag it stops serving.
            node.knownCommit = Math.max(node.knownCommit, needState.commitIndex());
            node.transfer.requestState();
        }
    }

    void onRefused(String from, Refused refused) {
        node.event("refused-by-peer", "from", from, "reason", refused.reason(), "detail", refused.detail());
        if (refused.knownEpoch() > node.currentEpoch) {
            node.roles.learnEpoch(refused.knownEpoch(), refused.knownActive(), null);
        } else if (node.state == State.FOLLOWING && from.equals(node.epochActive)) {
            streamFrom = null;
            if (refused.reason().equals("not-active")
                    && refused.knownActive() != null
                    && refused.knownEpoch() == node.currentEpoch) {
                node.roles.learnActive(refused.knownActive());
            }
            nextSubscribeAt = node.now + 1000 * MS;
        }
    }
}
