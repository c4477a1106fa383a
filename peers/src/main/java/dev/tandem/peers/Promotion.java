package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.Reply;
import dev.tandem.peers.Command.Promote;
import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.LeaseAnswer.Found;
import dev.tandem.peers.LeaseAnswer.Missing;
import dev.tandem.peers.LeaseKeeper.ReadPurpose;
import dev.tandem.peers.LeaseWrites.LeaseOp;
import dev.tandem.peers.LeaseWrites.WriteKind;
import dev.tandem.peers.OperatorAnswer.PromoteReport;
import dev.tandem.peers.OperatorAnswer.Promoted;
import dev.tandem.peers.OperatorAnswer.Refusal;

/**
 * An operator's promote (T26, T27, T36): a standby takes the lease at the next epoch (L7), or, with
 * oldActiveIsDown where no lease can be written, promotes itself by force at an epoch nobody else
 * created, and claims the lease at that epoch once the store answers again (L9).
 */
final class Promotion extends NodePart {
    private static final long FORCED_EPOCH_STRIDE = 1000;

    private long promoteReply = -1;
    private Promote promoteCommand;
    private long promoteReplacedSince;

    Promotion(Node node) {
        super(node);
    }

    /** The promote's lease write did not land, or was overtaken: the operator hears why. */
    void leaseUnwritable(String detail) {
        if (promoteReply >= 0) {
            replyPromote(new Refusal("lease-unwritable", detail));
        }
    }

    /** The promote's lease write never reached the store: a forced promote, if the operator allowed one. */
    void leaseUnreachable(String detail) {
        if (promoteCommand != null && promoteCommand.oldActiveIsDown()) {
            forcedPromote();
        } else {
            leaseUnwritable("the lease cannot be written (" + detail
                    + "); give oldActiveIsDown once the old active is stopped");
        }
    }

    void promote(long replyId, Promote command) {
        PromoteReport report = promoteReport(command);
        if (command.dryRun() || report.refusal() != null) {
            out.add(new Reply(
                    replyId,
                    command.dryRun() ? report : new Refusal(report.refusal().split(":")[0], report.refusal())));
            return;
        }
        promoteReply = replyId;
        promoteCommand = command;
        if (settings.leaseStore()) {
            node.lease.read(ReadPurpose.PROMOTE);
        } else {
            forcedPromote();
        }
    }

    private PromoteReport promoteReport(Promote command) {
        boolean sync;
        String source;
        long leaseCommitted = -1;
        Lease observed = node.lease.observed;
        if (settings.leaseStore() && observed != null) {
            sync = observed.replication() == Replication.SYNC
                    && settings.self().equals(observed.syncStandby())
                    && observed.epoch() == node.currentEpoch;
            source = "lease";
            leaseCommitted = observed.committedIndex();
        } else if (!settings.leaseStore()) {
            sync = settings.self().equals(node.syncKnown);
            source = "log";
        } else {
            sync = false;
            source = "unknown";
        }
        // Without a lease store the log's record may be older than the active's: an active drops a silent
        // sync standby after syncTimeout and then commits alone. So only the lease can prove "no loss".
        boolean mayLose = !sync || settings.replication() == Replication.ASYNC || !settings.leaseStore();
        String refusal = null;
        if (node.state.role() != Role.STANDBY && node.state != State.FENCED) {
            refusal = "already-active: this node is the active of epoch " + node.currentEpoch;
        } else if (node.state == State.TRANSFERRING) {
            refusal = "transferring: this node is receiving a state transfer";
        } else if (mayLose && !command.acceptDataLoss()) {
            refusal = settings.leaseStore()
                    ? "confirm-data-loss: this node is not the recorded sync standby; acknowledged writes may be lost"
                    : "confirm-data-loss: without a lease store this node cannot know that the active did not drop it as "
                            + "sync standby and commit alone; acknowledged writes may be lost";
        } else if (node.currentEpoch == 0) {
            refusal = "never-followed: this node has never followed an active and holds nothing to serve";
        } else if (!settings.leaseStore() && !command.oldActiveIsDown()) {
            refusal =
                    "no-witness: without a lease store only the operator can fence the old active; give oldActiveIsDown once it is stopped";
        } else if (promoteReply >= 0) {
            refusal = "promote-under-way: a promote is already running";
        }
        return new PromoteReport(
                sync, source, Math.max(0, node.knownCommit - log.lastIndex()), leaseCommitted, mayLose, refusal);
    }

    void promoteRead(LeaseAnswer answer) {
        if (promoteReply < 0) {
            return;
        }
        Promote command = promoteCommand;
        switch (answer) {
            case Found found -> {
                if (node.state.role() != Role.STANDBY) {
                    replyPromote(new Refusal("already-active", "this node leads epoch " + node.currentEpoch));
                    return;
                }
                if (node.now < node.failsafe.promisedUntil && !command.oldActiveIsDown()) {
                    replyPromote(new Refusal(
                            "failsafe-promise",
                            "this node promised the active, within the last " + Timing.text(node.lease.w())
                                    + ", not to take the lease while the store was unreachable for it"));
                    return;
                }
                Lease fresh = found.lease();
                boolean sync = fresh.replication() == Replication.SYNC
                        && settings.self().equals(fresh.syncStandby())
                        && fresh.epoch() == node.currentEpoch;
                if (!sync && !command.acceptDataLoss()) {
                    replyPromote(
                            new Refusal(
                                    "confirm-data-loss",
                                    "the lease (epoch " + fresh.epoch() + ") does not name this node as "
                                            + "the sync standby: acknowledged writes may be lost; confirm with acceptDataLoss"));
                    return;
                }
                promoteReplacedSince =
                        found.etag().equals(node.lease.observedEtag) ? node.lease.observedSince : node.now;
                Lease taken =
                        node.leaseWrites.lease(settings.self(), found.lease().epoch() + 1, 0, null);
                node.lease.observed = found.lease();
                node.leaseWrites.writeLease(WriteKind.PROMOTE, taken, new Matches(found.etag()));
            }
            default -> {
                if (command.oldActiveIsDown()) {
                    forcedPromote();
                } else {
                    replyPromote(new Refusal(
                            "lease-unwritable",
                            "the lease store did not answer a read; give oldActiveIsDown once the "
                                    + "old active is stopped"));
                }
            }
        }
    }

    private void replyPromote(OperatorAnswer answer) {
        if (promoteReply >= 0) {
            out.add(new Reply(promoteReply, answer));
        }
        promoteReply = -1;
        promoteCommand = null;
    }

    void promoted(LeaseOp op) {
        boolean loss = promoteReport(promoteCommand == null ? new Promote(false, true, true, "") : promoteCommand)
                .mayLoseAcknowledgedWrites();
        String requestedBy = promoteCommand == null ? "" : promoteCommand.requestedBy();
        String previous = node.lease.observed == null ? "" : node.lease.observed.holder();
        node.setEpoch(op.lease().epoch(), settings.self(), RoleIntent.ACTIVE);
        node.lease.renewFrom(op.sentAt());
        node.authority.writeNotBefore = promoteReplacedSince + timing.takeoverWait(node.lease.observed);
        node.sync.apply(null);
        node.leader.becomePromoting(new EpochStart("promote", requestedBy, loss, true, previous));
        promotedTo(requestedBy, loss, "writesFromMs", Math.max(0, node.authority.writeNotBefore - node.now) / MS);
    }

    /** T27: the operator has checked that the old active is stopped; the epoch alone fences it. */
    void forcedPromote() {
        if (promoteCommand != null && !promoteCommand.acceptDataLoss()) {
            replyPromote(new Refusal(
                    "confirm-data-loss",
                    "the lease cannot be read, so whether this node holds every "
                            + "acknowledged write is unknown; confirm with acceptDataLoss"));
            return;
        }
        // The witness could not be read: nothing proves that this node holds every acknowledged write.
        boolean loss = true;
        String requestedBy = promoteCommand == null ? "" : promoteCommand.requestedBy();
        String previous = node.epochActive == null ? "" : node.epochActive;
        node.setEpoch(forcedEpoch(), settings.self(), RoleIntent.ACTIVE);
        node.authority.forced = settings.leaseStore();
        node.lease.pollAtNextTick();
        node.sync.apply(null);
        node.leader.becomePromoting(new EpochStart("promote-forced", requestedBy, loss, true, previous));
        node.authority.writeNotBefore = NEVER;
        promotedTo(requestedBy, loss, "forced", true);
    }

    /** This node holds the epoch it was promoted to: the event, the operator's answer, then it leads. */
    private void promotedTo(String requestedBy, boolean loss, String field, Object value) {
        node.event(
                "promoted", "epoch", node.currentEpoch, "requestedBy", requestedBy, "lossAccepted", loss, field, value);
        replyPromote(new Promoted(node.currentEpoch, loss));
        node.leader.lead();
    }

    /**
     * A forced promotion cannot ask anyone which epochs exist: while this node was cut off the cluster
     * may have moved on by a few epochs, each one by one. It skips {@value #FORCED_EPOCH_STRIDE} so that
     * it never reuses an epoch number another node created (an epoch has one creator, I6).
     */
    private long forcedEpoch() {
        Lease observed = node.lease.observed;
        long known =
                Math.max(node.currentEpoch, Math.max(log.lastEntryEpoch(), observed == null ? 0 : observed.epoch()));
        return known + FORCED_EPOCH_STRIDE;
    }

    /** T36: a forced active claims the lease at its epoch once the store answers again. */
    void claimRead(LeaseAnswer answer) {
        Authority authority = node.authority;
        if (!authority.forced || !(answer instanceof Found found)) {
            if (authority.forced && answer instanceof Missing) {
                node.leaseWrites.claim(new Condition.Absent());
            }
            return;
        }
        Lease lease = found.lease();
        if (lease.epoch() < node.currentEpoch) {
            node.leaseWrites.claim(new Matches(found.etag()));
        } else if (lease.epoch() == node.currentEpoch && lease.holder().equals(settings.self())) {
            node.lease.adopt(found);
            authority.forced = false;
            authority.authUntil = NEVER;
            node.lease.holderWrite();
        }
    }
}
