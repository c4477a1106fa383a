package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.Publish;
import dev.tandem.peers.DurableChange.Commit;
import dev.tandem.peers.DurableChange.InstallState;
import dev.tandem.peers.DurableChange.MoveAside;
import dev.tandem.peers.Input.StateFailed;
import dev.tandem.peers.Input.StateStaged;
import dev.tandem.peers.PeerMessage.Refused;
import dev.tandem.peers.PeerMessage.StateRequest;
import java.util.List;

/**
 * A state transfer (§3.7, §3.8, T30 to T33): a standby below the active's log, or whose fork search
 * went below its own, installs the active's state. The transferred epoch history finds the fork;
 * what this node holds past it is moved aside.
 */
final class StateTransfer extends NodePart {

    private long transferBackoff = 1000 * MS;
    private long nextTransferAt = NEVER;

    StateTransfer(Node node) {
        super(node);
    }

    void retryTimer() {
        if (node.now >= nextTransferAt) {
            requestState();
        }
    }

    /** §3.8: the entries from {@code fromIndex} on go to the diverged table, in one transaction. */
    void moveAside(long fromIndex) {
        node.event("diverged", "fromIndex", fromIndex, "lastIndex", log.lastIndex(), "replacedBy", node.currentEpoch);
        node.persist(new MoveAside(fromIndex, node.currentEpoch));
        log.truncateFrom(fromIndex);
    }

    void requestState() {
        node.state = State.TRANSFERRING;
        node.follower.awaitState();
        nextTransferAt = node.now + transferBackoff;
        if (node.epochActive != null && !node.epochActive.equals(settings.self())) {
            node.send(node.epochActive, new StateRequest(node.header()));
        }
    }

    void stateStaged(StateStaged staged) {
        if (node.state != State.TRANSFERRING
                || !staged.from().equals(node.epochActive)
                || staged.header().epoch() != node.currentEpoch) {
            return;
        }
        StateSummary summary = staged.summary();
        boolean chainOk = staged.tail().size()
                        == summary.snapshotIndex() - summary.base().index()
                && (staged.tail().isEmpty()
                        ? summary.base().checksum().equals(summary.snapshotChecksum())
                        : staged.tail().get(staged.tail().size() - 1).checksum().equals(summary.snapshotChecksum()));
        if (!chainOk) {
            stateFailed(new StateFailed(
                    staged.at(), staged.from(), staged.header(), "the entries do not reach the snapshot's checksum"));
            return;
        }
        // Compacted entries were committed here; only what is still in the log can be moved aside.
        long fork =
                Math.min(Math.max(forkWith(summary, staged.tail()), log.base().index()), summary.snapshotIndex());
        if (log.base().index() > summary.snapshotIndex()) {
            node.event(
                    "alert",
                    "detail",
                    "entries up to " + log.base().index() + " were committed and compacted here, but the active "
                            + staged.from() + " holds only " + summary.snapshotIndex()
                            + ": a failover accepted their loss");
        }
        if (fork < log.lastIndex()) {
            moveAside(fork + 1);
        }
        // What this node committed up to the fork stays committed: a new active may not have learnt it yet.
        long newCommit = Math.max(
                Math.min(node.commitIndex, fork),
                Math.max(summary.base().index(), Math.min(summary.commitIndex(), summary.snapshotIndex())));
        if (newCommit < node.commitIndex) {
            node.event(
                    "alert",
                    "detail",
                    "the state transfer from " + staged.from() + " commits " + newCommit + ", below this node's "
                            + node.commitIndex + ": entries committed here were lost by a failover that accepted loss");
        }
        node.persist(new InstallState(staged.transferId(), summary.base(), staged.tail(), newCommit));
        log.install(summary.base(), staged.tail());
        node.commitIndex = newCommit;
        transferBackoff = 1000 * MS;
        node.state = State.FOLLOWING;
        ServedId identity = log.identityAt(node.commitIndex);
        if (identity.revision() > 0 && identity.isNewerThan(node.served)) {
            node.served = identity;
            node.persist(new Commit(node.commitIndex, node.served));
            out.add(new Publish(node.served));
        }
        node.follower.transferred();
    }

    /**
     * The last index at which this node's log and the transferred one agree: entries are equal where
     * their epochs are (one creator per epoch), and this node's entries above it are moved aside.
     */
    private long forkWith(StateSummary summary, List<EntryMeta> tail) {
        long index = Math.min(log.lastIndex(), summary.snapshotIndex());
        for (; index >= log.base().index() && index > 0; index--) {
            long theirs = index > summary.base().index()
                    ? tail.get((int) (index - summary.base().index() - 1)).epoch()
                    : index == summary.base().index()
                            ? summary.base().entryEpoch()
                            : summary.base().epochAt(index);
            if (theirs == log.epochOfAny(index)) {
                return index;
            }
        }
        return Math.max(0, index);
    }

    void stateFailed(StateFailed failed) {
        if (node.state != State.TRANSFERRING) {
            return;
        }
        node.send(failed.from(), new Refused(node.header(), "unverifiable-state", failed.reason(), null, 0));
        node.event("refused", "reason", "unverifiable-state", "from", failed.from(), "detail", failed.reason());
        transferBackoff = Math.min(transferBackoff * 2, 30_000 * MS);
        nextTransferAt = node.now + transferBackoff;
    }
}
