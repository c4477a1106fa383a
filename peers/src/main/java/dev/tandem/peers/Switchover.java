package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.Reply;
import dev.tandem.peers.Command.SwitchActive;
import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.LeaseAnswer.Found;
import dev.tandem.peers.LeaseKeeper.ReadPurpose;
import dev.tandem.peers.LeaseWrites.WriteKind;
import dev.tandem.peers.OperatorAnswer.Refusal;
import dev.tandem.peers.OperatorAnswer.Switched;
import dev.tandem.peers.PeerMessage.Handover;
import dev.tandem.peers.PeerMessage.HandoverAck;
import dev.tandem.peers.PeerMessage.HandoverOffer;
import dev.tandem.peers.PeerMessage.HandoverReady;
import dev.tandem.peers.PeerMessage.Refused;
import java.util.Locale;

/**
 * Switch-active (T13 to T18): the old active stops taking writes, waits until the target holds
 * every entry, hands the next epoch over through the lease (L5) or a HandoverOffer without a lease
 * store, and keeps sending Handover until the target acknowledges; the target takes the epoch when
 * it holds everything the old active held, and confirms the lease (L8).
 */
final class Switchover extends NodePart {
    private record Switch(String target, long replyId, long startedAt, String requestedBy) {}

    private record HandoverSend(String target, Handover message, long replyId, long startedAt, long replyBy) {}

    /** The switch under way on the old active, from T13 until the handover (T15) or an abort (T16). */
    private Switch switching;

    private long handingOverSince = NEVER;
    /** The handover the old active keeps sending until the target acknowledges it. */
    private HandoverSend handover;

    private long nextHandoverAt = NEVER;
    /** The old active a target acknowledges once its confirmation landed (T19). */
    private String handoverFrom;

    Switchover(Node node) {
        super(node);
    }

    void timers() {
        if (switching != null
                && node.state == State.DEMOTING
                && node.now - switching.startedAt() >= timing.switchTimeout()) {
            abortSwitch("the target did not acknowledge every entry within " + Timing.text(timing.switchTimeout()));
        }
        if (node.state == State.HANDING_OVER && !settings.leaseStore() && node.now - handingOverSince >= 2000 * MS) {
            abortSwitch("the target did not answer the handover offer within 2s");
        }
        if (handover != null) {
            handoverTimers();
        }
    }

    /** The switch under way ends without the handover: the operator hears why. */
    void cancel(String reason) {
        if (switching != null) {
            out.add(new Reply(switching.replyId(), new Refusal("switch-aborted", reason)));
            switching = null;
        }
    }

    /** T19: the target's confirmation landed; the old active hears that the epoch is taken. */
    void confirmed() {
        if (handoverFrom != null) {
            node.send(handoverFrom, new HandoverAck(node.header(), node.currentEpoch));
            handoverFrom = null;
        }
    }

    /** Any message from the new active acknowledges the handover. */
    void heardFromActive() {
        if (handover != null) {
            finishHandover();
        }
    }

    private void replySwitched() {
        out.add(new Reply(
                handover.replyId(),
                new Switched(
                        settings.self(),
                        handover.target(),
                        handover.message().newEpoch(),
                        node.now - handover.startedAt())));
    }

    void switchActive(long replyId, SwitchActive command) {
        if (node.state != State.ACTIVE || !node.authority.acceptsWritesAt(node.now)) {
            String why = node.state.role() == Role.STANDBY
                    ? "this node is a standby; the active is " + node.epochActive
                    : "this node does not accept writes now ("
                            + node.state.name().toLowerCase(Locale.ROOT) + ")";
            out.add(new Reply(
                    replyId, new Refusal(node.state.role() == Role.STANDBY ? "misdirected" : "not-writable", why)));
            return;
        }
        if (switching != null) {
            out.add(new Reply(
                    replyId, new Refusal("switch-under-way", "a switch to " + switching.target() + " is under way")));
            return;
        }
        if (node.failsafe.mode) {
            out.add(new Reply(
                    replyId, new Refusal("failsafe-active", "the lease store is unreachable: a switch needs it")));
            return;
        }
        String target = command.to() != null ? command.to() : node.replicator.caughtUp(null);
        if (target == null) {
            target = node.replicator.bestStandby();
        }
        Progress peer = target == null ? null : node.replicator.progressOf(target);
        if (target == null || !settings.members().contains(target) || target.equals(settings.self())) {
            out.add(new Reply(
                    replyId,
                    new Refusal(
                            "no-target",
                            command.to() == null
                                    ? "no standby is connected"
                                    : command.to() + " is not a standby of this cluster")));
            return;
        }
        if (peer == null || !peer.streaming || node.now - peer.lastContact > 1000 * MS) {
            out.add(new Reply(
                    replyId,
                    new Refusal("target-not-connected", target + " has not acknowledged within the last second")));
            return;
        }
        switching = new Switch(target, replyId, node.now, command.requestedBy());
        node.state = State.DEMOTING;
        node.roleChanged("switch-active to " + target, command.requestedBy());
        switchStep();
    }

    /** T14: once every own entry is committed and the target holds them all, hand over. */
    void switchStep() {
        if (node.state != State.DEMOTING || switching == null || node.appender.busy()) {
            return;
        }
        Progress target = node.replicator.progressOf(switching.target());
        if (node.commitIndex != log.lastIndex() || target == null || target.matchIndex != log.lastIndex()) {
            return;
        }
        node.state = State.HANDING_OVER;
        handingOverSince = node.now;
        node.leader.stopExporter();
        if (settings.leaseStore()) {
            if (node.leaseWrites.inFlight()) {
                // A renewal is in flight: its answer is awaited before the handover write, so there is one write at a
                // time.
                node.state = State.DEMOTING;
                return;
            }
            // In sync mode the old active holds every entry the target holds: it becomes the sync standby.
            String sync = settings.replication() == Replication.SYNC ? settings.self() : null;
            node.leaseWrites.writeLease(
                    WriteKind.HANDOVER,
                    node.leaseWrites.lease(switching.target(), node.currentEpoch + 1, 0, sync),
                    new Matches(node.lease.etag));
        } else {
            node.send(switching.target(), new HandoverOffer(node.header(), log.lastIndex(), log.lastChecksum()));
        }
    }

    void abortSwitch(String reason) {
        if (switching == null) {
            return;
        }
        String target = switching.target();
        cancel(reason);
        node.event("switch-aborted", "target", target, "reason", reason);
        if (node.state == State.DEMOTING || node.state == State.HANDING_OVER) {
            node.state = State.ACTIVE;
            if (!node.authority.authorisedAt(node.now)) {
                node.roles.fence("the lease lapsed during the aborted switch");
                return;
            }
            node.leader.startExporter();
            node.roleChanged("switch aborted: " + reason, "");
            node.appender.grant();
        }
    }

    /** T15: the lease names the target; this node follows it from the new epoch. */
    void handedOver(String etag) {
        Switch done = switching;
        switching = null;
        String target = done.target();
        long newEpoch = node.currentEpoch + 1;
        node.setEpoch(newEpoch, target, RoleIntent.STANDBY);
        Handover message = new Handover(
                node.header(), newEpoch, target, log.lastIndex(), log.lastChecksum(), etag, done.requestedBy());
        handover = new HandoverSend(target, message, done.replyId(), done.startedAt(), node.now + 2000 * MS);
        nextHandoverAt = node.now + 500 * MS;
        node.roles.demote("switched to " + target);
        node.send(target, message);
    }

    private void handoverTimers() {
        if (node.now >= handover.replyBy() && handover.replyId() >= 0) {
            replySwitched();
            handover = new HandoverSend(
                    handover.target(), handover.message(), -1, handover.startedAt(), handover.replyBy());
        }
        if (node.currentEpoch > handover.message().newEpoch()) {
            handover = null;
            return;
        }
        if (node.now >= nextHandoverAt) {
            nextHandoverAt = node.now + 500 * MS;
            node.send(
                    handover.target(),
                    new Handover(
                            node.header(),
                            handover.message().newEpoch(),
                            handover.target(),
                            handover.message().lastIndex(),
                            handover.message().lastChecksum(),
                            handover.message().leaseEtag(),
                            handover.message().requestedBy()));
        }
    }

    void onHandoverAck(String from, HandoverAck ack) {
        if (handover != null
                && from.equals(handover.target())
                && ack.newEpoch() == handover.message().newEpoch()) {
            finishHandover();
        }
    }

    private void finishHandover() {
        if (handover.replyId() >= 0) {
            replySwitched();
            node.event(
                    "switched",
                    "to",
                    handover.target(),
                    "epoch",
                    handover.message().newEpoch(),
                    "tookMs",
                    (node.now - handover.startedAt()) / MS);
        }
        handover = null;
    }

    void onHandoverOffer(String from, HandoverOffer offer) {
        Checksum mine = log.checksumAt(offer.lastIndex());
        boolean ready = node.follower.fromActive(from, offer)
                && node.state == State.FOLLOWING
                && mine != null
                && mine.equals(offer.lastChecksum())
                && log.lastIndex() == offer.lastIndex();
        node.send(from, new HandoverReady(node.header(), log.lastIndex(), log.lastChecksum(), ready));
    }

    void onHandoverReady(String from, HandoverReady ready) {
        if (node.state != State.HANDING_OVER || switching == null || !from.equals(switching.target())) {
            return;
        }
        if (!ready.ready()
                || ready.lastIndex() != log.lastIndex()
                || !ready.lastChecksum().equals(log.lastChecksum())) {
            abortSwitch(from + " does not hold every entry");
            return;
        }
        handedOver(null);
    }

    /** T18: the target takes the new epoch when it holds everything the old active held. */
    void onHandover(String from, Handover message) {
        if (!message.newActive().equals(settings.self())) {
            if (message.header().epoch() > node.currentEpoch) {
                node.roles.learnEpoch(message.header().epoch(), message.newActive(), null);
            }
            return;
        }
        if (message.newEpoch() == node.currentEpoch && settings.self().equals(node.epochActive)) {
            node.send(from, new HandoverAck(node.header(), node.currentEpoch));
            return;
        }
        boolean epochKnownActiveNot = message.newEpoch() == node.currentEpoch
                && node.state.role() == Role.STANDBY
                && (node.epochActive == null || node.epochActive.equals(settings.self()));
        if (message.newEpoch() < node.currentEpoch || message.newEpoch() == node.currentEpoch && !epochKnownActiveNot) {
            return;
        }
        Checksum mine = log.checksumAt(message.lastIndex());
        if (mine == null || !mine.equals(message.lastChecksum())) {
            node.send(
                    from,
                    new Refused(
                            node.header(),
                            "handover-mismatch",
                            "this node does not hold entry " + message.lastIndex() + " as the old active does",
                            null,
                            0));
            node.event("alert", "detail", "a handover from " + from + " names entries this node does not hold");
            return;
        }
        node.setEpoch(message.newEpoch(), settings.self(), RoleIntent.ACTIVE);
        node.leader.becomePromoting(new EpochStart("switch", message.requestedBy(), false, false, from));
        node.authority.writeNotBefore = NEVER;
        if (settings.leaseStore()) {
            handoverFrom = from;
            long renewal = 1;
            node.leaseWrites.writeLease(
                    WriteKind.CONFIRM,
                    node.leaseWrites.lease(settings.self(), node.currentEpoch, renewal, from),
                    new Matches(message.leaseEtag()));
        } else {
            node.send(from, new HandoverAck(node.header(), node.currentEpoch));
            node.leader.lead();
        }
    }

    /** After a refused confirmation: renew on the version that names this node, or follow a higher epoch. */
    void confirmRead(LeaseAnswer answer) {
        if (!(answer instanceof Found found)) {
            if (node.state == State.PROMOTING) {
                node.lease.read(ReadPurpose.CONFIRM);
            }
            return;
        }
        Lease lease = found.lease();
        if (lease.holder().equals(settings.self())
                && lease.epoch() == node.currentEpoch
                && !node.leaseWrites.writing()) {
            node.leaseWrites.writeLease(
                    WriteKind.CONFIRM, node.leaseWrites.confirmLease(lease), new Matches(found.etag()));
        }
    }
}
