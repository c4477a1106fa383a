package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.Publish;
import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.Input.Start;
import dev.tandem.peers.LeaseAnswer.Found;
import dev.tandem.peers.LeaseKeeper.ReadPurpose;
import dev.tandem.peers.LeaseWrites.WriteKind;
import dev.tandem.peers.PeerMessage.HandoverAck;
import dev.tandem.peers.PeerMessage.StatusAnswer;
import dev.tandem.peers.PeerMessage.StatusQuery;
import java.util.Set;
import java.util.TreeSet;

/**
 * The moves between roles (§2.4): the start (T1 to T3), the status rounds without a lease store
 * (T2), fencing (T10, T37), and what a higher epoch or a newly learnt active does to a node (T12,
 * T18). Leading an epoch once a node holds its authority is {@link Leader}'s.
 */
final class Roles extends NodePart {
    private final Set<String> statusAnswered = new TreeSet<>();

    private long nextStatusAt = NEVER;

    Roles(Node node) {
        super(node);
    }

    // ---------------------------------------------------------------- start (T1 to T3)

    void start(Start start) {
        node.bootId = start.bootId();
        node.failsafe.promisedUntil = node.now + timing.takeoverWait(null);
        if (node.served.revision() > 0 && servedStillInLog()) {
            out.add(new Publish(node.served));
        }
        node.serving = false;
        if (settings.leaseStore() && settings.automaticFailover()) {
            out.add(new Action.RunProbe());
        }
        if (node.roleIntent == RoleIntent.STANDBY) {
            node.state = State.FOLLOWING;
            node.roleChanged("start", "");
            node.follower.follow();
        } else {
            node.state = State.FENCED;
            node.roleChanged("start", "");
            if (settings.leaseStore()) {
                node.lease.read(ReadPurpose.START);
                if (!settings.alone()) {
                    // A member promoted by force holds a higher epoch the lease may not show yet: its answer demotes
                    // this node.
                    statusRound();
                }
            } else if (settings.alone() || node.currentEpoch == 0) {
                // A founding member's first start leads at once: every other member joins through it, so none can
                // hold an epoch yet (waiting for them would keep the cluster from ever forming: ADR 0014 §15).
                leadAfterStart();
            } else {
                statusRound();
            }
        }
    }

    /** Whether what was served before the restart is still what the committed log says (not so after a move-aside with loss). */
    private boolean servedStillInLog() {
        ServedId served = node.served;
        if (served.index() > node.commitIndex || served.index() < log.base().index()) {
            return served.index() == log.base().index()
                    && served.equals(log.base().identity());
        }
        ServedId identity = log.identityAt(served.index());
        return identity.epoch() == served.epoch() && identity.revision() == served.revision();
    }

    /** Without a lease store, or alone: the epoch alone decides (T2). */
    void leadAfterStart() {
        if (node.currentEpoch == 0) {
            startFirstEpoch();
        }
        if (!settings.self().equals(node.epochActive)) {
            node.event(
                    "fenced",
                    "epoch",
                    node.currentEpoch,
                    "reason",
                    "this node is not the active of its epoch " + node.epochActive);
            return;
        }
        node.leader.lead();
    }

    /** A new cluster's first start: epoch 1 is this node's, and its epoch-start entry says so. */
    void startFirstEpoch() {
        node.setEpoch(1, settings.self(), settings.alone() ? RoleIntent.STANDALONE : RoleIntent.ACTIVE);
        node.leader.epochStart = new EpochStart("first-start", "", false, false, "");
    }

    // ---------------------------------------------------------------- fencing (T10, T37)

    void fence(String reason) {
        node.switchover.cancel(reason);
        node.state = State.FENCED;
        node.leader.stopExporter();
        node.roleChanged(reason, "");
        node.event("fenced", "epoch", node.currentEpoch, "reason", reason);
        node.lease.renewNoLaterThanNow();
    }

    // ---------------------------------------------------------------- epochs (T12, T18)

    /** A higher epoch wins before anything else happens: persist it, then act on it. */
    void learnEpoch(long epoch, String active, Found lease) {
        if (epoch <= node.currentEpoch) {
            return;
        }
        if (settings.self().equals(active)) {
            if (lease != null) {
                node.setEpoch(epoch, active, RoleIntent.ACTIVE);
                takeLeaseNamingMe(lease);
            } else {
                // Only a lease or a handover makes this node the active: until one does, it knows the epoch, not its
                // active.
                node.setEpoch(epoch, null, RoleIntent.STANDBY);
                demote("epoch " + epoch + " names this node, without a handover yet");
            }
            return;
        }
        boolean wasWriter = node.state.role() != Role.STANDBY;
        node.setEpoch(epoch, active, RoleIntent.STANDBY);
        demote("epoch " + epoch + " is held by " + (active == null ? "an unknown node" : active));
        if (wasWriter) {
            node.event("demoted", "epoch", epoch, "active", String.valueOf(active));
        }
    }

    /**
     * T18 from a lease read: a switch wrote it for this node, or this node's own takeover or promote
     * landed before a crash. In the second case nothing says how long ago, so it waits W before it commits.
     */
    void takeLeaseNamingMe(Found lease) {
        if (!settings.self().equals(node.epochActive) || node.roleIntent != RoleIntent.ACTIVE) {
            node.setEpoch(lease.lease().epoch(), settings.self(), RoleIntent.ACTIVE);
        }
        boolean mine = settings.self().equals(lease.lease().writtenBy());
        boolean loss = mine
                && (settings.replication() == Replication.ASYNC
                        || !settings.self().equals(node.syncKnown));
        node.leader.becomePromoting(new EpochStart(
                mine ? "failover" : "switch", "", loss, mine, lease.lease().writtenBy()));
        node.authority.writeNotBefore = mine ? node.now + timing.takeoverWait(lease.lease()) : NEVER;
        if (!node.leaseWrites.writing()) {
            node.leaseWrites.writeLease(
                    WriteKind.CONFIRM, node.leaseWrites.confirmLease(lease.lease()), new Matches(lease.etag()));
        }
    }

    /** The active of this node's epoch, learnt from a peer or the lease; this node itself becomes active only by a lease or a handover. */
    void learnActive(String active) {
        if (active == null || active.equals(node.epochActive) || active.equals(settings.self())) {
            return;
        }
        node.setEpoch(node.currentEpoch, active, RoleIntent.STANDBY);
        if (node.state.role() != Role.STANDBY) {
            demote("the active of epoch " + node.currentEpoch + " is " + active);
        } else {
            node.follower.follow();
        }
    }

    /** T12: stop writing; held writes go to the active, pending ones are reported as unknown. */
    void demote(String reason) {
        State before = node.state;
        node.state = State.FOLLOWING;
        node.leader.stopExporter();
        node.authority.revoke();
        node.failsafe.mode = false;
        node.lease.forget();
        node.leaseWrites.forget();
        node.replicator.forgetStandbys();
        node.syncStandby = null;
        node.sync.forget();
        node.leader.epochStart = null;
        node.switchover.cancel(reason);
        node.appender.stopLeading(reason);
        if (before != State.FOLLOWING) {
            node.roleChanged(reason, "");
        }
        node.follower.follow();
    }

    // ---------------------------------------------------------------- status rounds (T2)

    void statusTimer() {
        if (node.now >= nextStatusAt) {
            statusRound();
        }
    }

    /** A standby that knows no active asks its peers at the next tick. */
    void askAtNextTick() {
        nextStatusAt = node.now;
    }

    private void statusRound() {
        nextStatusAt = node.now + 1000 * MS;
        statusAnswered.clear();
        for (String other : settings.others()) {
            node.send(other, new StatusQuery(node.header()));
        }
    }

    void onStatusQuery(String from) {
        node.send(
                from,
                new StatusAnswer(
                        node.header(),
                        node.state.name(),
                        node.epochActive,
                        log.lastIndex(),
                        log.lastChecksum(),
                        node.commitIndex));
    }

    void onStatusAnswer(String from, StatusAnswer answer) {
        if (answer.header().epoch() < node.currentEpoch) {
            return;
        }
        if (node.state == State.FOLLOWING
                && !settings.leaseStore()
                && settings.self().equals(answer.epochActive())
                && answer.header().epoch() == node.currentEpoch
                && !settings.self().equals(node.epochActive)) {
            // The old active persisted "this epoch is yours" before its handover was lost: its record,
            // with every entry it held, is the handover (T14′ persisted only after HandoverReady).
            Checksum mine = log.checksumAt(answer.lastIndex());
            if (mine != null && mine.equals(answer.lastChecksum())) {
                node.setEpoch(node.currentEpoch, settings.self(), RoleIntent.ACTIVE);
                node.leader.becomePromoting(new EpochStart("switch", "", false, false, from));
                node.authority.writeNotBefore = NEVER;
                node.send(from, new HandoverAck(node.header(), node.currentEpoch));
                node.leader.lead();
            }
            return;
        }
        if (node.state.role() == Role.STANDBY
                && answer.epochActive() != null
                && answer.header().epoch() == node.currentEpoch
                && (node.epochActive == null || node.epochActive.equals(settings.self()))) {
            learnActive(answer.epochActive());
            return;
        }
        if (node.state == State.FENCED && !settings.leaseStore()) {
            if (answer.epochActive() != null
                    && !answer.epochActive().equals(node.epochActive)
                    && answer.header().epoch() == node.currentEpoch
                    && node.currentEpoch > 0) {
                node.event(
                        "alert",
                        "detail",
                        from + " names " + answer.epochActive() + " as the active of epoch " + node.currentEpoch);
                return;
            }
            statusAnswered.add(from);
            if (statusAnswered.containsAll(settings.others())) {
                leadAfterStart();
            }
        }
    }
}
