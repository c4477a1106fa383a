package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.SendEntries;
import dev.tandem.peers.Action.SendState;
import dev.tandem.peers.DurableChange.CompactTo;
import dev.tandem.peers.PeerMessage.Ack;
import dev.tandem.peers.PeerMessage.Diverging;
import dev.tandem.peers.PeerMessage.Heartbeat;
import dev.tandem.peers.PeerMessage.NeedState;
import dev.tandem.peers.PeerMessage.Refused;
import dev.tandem.peers.PeerMessage.Subscribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The active's side of the stream (§3.4, §3.7): what it knows of each standby, the entries and
 * heartbeats it sends, the state it sends a standby that fell below its log, the commit rule, and
 * compaction.
 */
final class Replicator extends NodePart {
    private static final int BATCH = 256;

    private final Map<String, Progress> progress = new TreeMap<>();

    private long nextHeartbeatAt = NEVER;

    Replicator(Node node) {
        super(node);
    }

    /** What this node knows of a standby while it leads, or null. */
    /** Each standby's progress, as the view shows it. */
    List<MemberProgress> progressView() {
        List<MemberProgress> out = new ArrayList<>();
        progress.forEach((name, p) -> out.add(new MemberProgress(
                name,
                p.streaming,
                p.matchIndex,
                p.lastContact == NEVER ? -1 : Math.max(0, (node.now - p.lastContact) / 1_000_000))));
        return List.copyOf(out);
    }

    Progress progressOf(String name) {
        return progress.get(name);
    }

    /** A node that starts leading tracks every other member. */
    void trackMembers() {
        for (String other : settings.others()) {
            progress.computeIfAbsent(other, name -> new Progress(NEVER));
        }
    }

    /** T12: a node that stops leading forgets its standbys. */
    void forgetStandbys() {
        progress.clear();
    }

    void linkDown(String peer) {
        Progress lost = progress.get(peer);
        if (lost != null) {
            lost.streaming = false;
        }
    }

    // ---------------------------------------------------------------- replicating and committing (§3.4)

    void replicate() {
        if (!node.isActiveOfEpoch() || writes.slot != null) {
            return;
        }
        for (Map.Entry<String, Progress> entry : progress.entrySet()) {
            Progress peer = entry.getValue();
            if (peer.wantsState) {
                peer.wantsState = false;
                sendState(entry.getKey());
                continue;
            }
            if (peer.streaming && peer.nextIndex <= log.base().index()) {
                peer.streaming = false;
                node.send(entry.getKey(), new NeedState(node.header(), log.firstIndex(), node.commitIndex));
                continue;
            }
            while (peer.streaming && peer.nextIndex <= log.lastIndex()) {
                long to = Math.min(log.lastIndex(), peer.nextIndex + BATCH - 1);
                sendEntries(entry.getKey(), peer.nextIndex, to);
                peer.nextIndex = to + 1;
            }
        }
    }

    private void sendEntries(String to, long from, long through) {
        out.add(new SendEntries(
                to,
                node.header(),
                from - 1,
                log.checksumAt(from - 1),
                from,
                through,
                node.commitIndex,
                log.lastIndex()));
    }

    void heartbeatTimer() {
        if (node.isActiveOfEpoch() && node.state != State.FENCED && node.now >= nextHeartbeatAt) {
            heartbeats();
        }
    }

    /**
     * To every other member, subscribed or not: a member that does not stream from this node learns
     * from it who is active (a standby subscribes again sooner), and one at a higher epoch answers
     * lower-epoch, which demotes this node. Without a lease store that is the only way two actives
     * that see each other (a promote with the old active declared down while it ran) come apart.
     */
    private void heartbeats() {
        nextHeartbeatAt = node.now + timing.heartbeat();
        for (String member : settings.others()) {
            Progress peer = progress.get(member);
            node.send(
                    member,
                    new Heartbeat(
                            node.header(),
                            node.commitIndex,
                            log.lastIndex(),
                            node.authority.mayCommit(),
                            node.syncStandby,
                            peer != null && peer.streaming ? peer.nextIndex - 1 : Heartbeat.NOT_STREAMING));
        }
    }

    /** The commit rule: every required standby holds it, it reaches an entry of this epoch, and this node may commit. */
    void tryCommit() {
        if (!node.state.writerState() || !node.authority.mayCommit()) {
            return;
        }
        Set<String> required = node.sync.required();
        long candidate = log.lastIndex();
        for (String name : required) {
            Progress peer = progress.get(name);
            candidate = Math.min(candidate, peer == null ? 0 : peer.matchIndex);
        }
        while (candidate > node.commitIndex && log.holds(candidate) && log.epochAt(candidate) != node.currentEpoch) {
            candidate--;
        }
        if (candidate <= node.commitIndex || !log.holds(candidate)) {
            return;
        }
        commitTo(candidate, required);
    }

    private void commitTo(long index, Set<String> required) {
        node.commitTo(index);
        node.appender.committed(index, required);
        node.leader.committed();
        if (node.state == State.DEMOTING) {
            node.switchover.switchStep();
        }
        node.appender.grant();
    }

    /** A standby other than {@code except} that holds every entry and was heard within a second: the lowest name wins a tie. */
    String caughtUp(String except) {
        String best = null;
        long bestMatch = -1;
        for (Map.Entry<String, Progress> entry : progress.entrySet()) {
            Progress peer = entry.getValue();
            if (entry.getKey().equals(except) || !peer.streaming || node.now - peer.lastContact > 1000 * MS) {
                continue;
            }
            if (peer.matchIndex == log.lastIndex() && peer.matchIndex > bestMatch) {
                best = entry.getKey();
                bestMatch = peer.matchIndex;
            }
        }
        return best;
    }

    /** The streaming standby that holds the most entries: the lowest name wins a tie. */
    String bestStandby() {
        String best = null;
        long bestMatch = -1;
        for (Map.Entry<String, Progress> entry : progress.entrySet()) {
            if (entry.getValue().streaming && entry.getValue().matchIndex > bestMatch) {
                best = entry.getKey();
                bestMatch = entry.getValue().matchIndex;
            }
        }
        return best;
    }

    void compact() {
        long size = log.lastIndex() - log.firstIndex() + 1;
        if (size <= timing.retainEntries() + 50) {
            return;
        }
        long target = Math.min(node.commitIndex, log.lastIndex() - timing.retainEntries());
        String syncStandby = node.syncStandby;
        if (syncStandby != null && progress.containsKey(syncStandby)) {
            target = Math.min(target, progress.get(syncStandby).matchIndex);
        }
        if (target >= log.firstIndex()) {
            log.compactTo(target);
            node.persist(new CompactTo(log.base()));
        }
    }

    // ---------------------------------------------------------------- the active's side of the stream

    void onSubscribe(String from, Subscribe subscribe) {
        if (!node.isActiveOfEpoch()) {
            refuseNotActive(from);
            return;
        }
        if (subscribe.protocol() != PeerMessage.PROTOCOL) {
            node.send(
                    from,
                    new Refused(
                            node.header(),
                            "protocol-mismatch",
                            "this node speaks protocol " + PeerMessage.PROTOCOL + ", not " + subscribe.protocol(),
                            settings.self(),
                            node.currentEpoch));
            return;
        }
        Progress peer = progress.computeIfAbsent(from, name -> new Progress(NEVER));
        peer.lastContact = node.now;
        peer.streaming = false;
        long position = subscribe.lastIndex();
        if (position < log.base().index()) {
            node.send(from, new NeedState(node.header(), log.firstIndex(), node.commitIndex));
            return;
        }
        Checksum mine = log.checksumAt(position);
        if (mine == null || !mine.equals(subscribe.lastChecksum())) {
            long end = log.lastIndexOfEpochAtMost(subscribe.lastEntryEpoch(), Math.min(position, log.lastIndex()));
            node.send(from, new Diverging(node.header(), end, node.commitIndex));
            return;
        }
        peer.streaming = true;
        peer.matchIndex = position;
        peer.nextIndex = position + 1;
        if (writes.slot != null) {
            // The stream starts once the granted slot is stored; until then an empty batch confirms the position.
            sendEntries(from, position + 1, position);
            return;
        }
        long to = Math.min(log.lastIndex(), position + BATCH);
        sendEntries(from, position + 1, to);
        peer.nextIndex = to + 1;
        replicate();
    }

    void onAck(String from, Ack ack) {
        Progress peer = progress.get(from);
        if (peer == null || !node.isActiveOfEpoch()) {
            return;
        }
        peer.lastContact = node.now;
        Checksum mine = log.checksumAt(ack.lastIndex());
        peer.matchIndex = mine != null && mine.equals(ack.lastChecksum())
                ? ack.lastIndex()
                : Math.min(peer.matchIndex, log.base().index());
        tryCommit();
        if (node.state == State.DEMOTING) {
            node.switchover.switchStep();
        }
    }

    void onStateRequest(String from) {
        if (!node.isActiveOfEpoch()) {
            refuseNotActive(from);
            return;
        }
        Progress peer = progress.computeIfAbsent(from, name -> new Progress(NEVER));
        peer.streaming = false;
        peer.lastContact = node.now;
        if (writes.slot != null) {
            peer.wantsState = true;
            return;
        }
        sendState(from);
    }

    private void refuseNotActive(String from) {
        node.send(
                from,
                new Refused(
                        node.header(),
                        "not-active",
                        "this node is not the active of epoch " + node.currentEpoch,
                        node.epochActive,
                        node.currentEpoch));
    }

    private void sendState(String to) {
        out.add(new SendState(
                to,
                node.header(),
                new StateSummary(
                        log.base(), log.lastIndex(), log.lastEntryEpoch(), log.lastChecksum(), node.commitIndex)));
    }
}
