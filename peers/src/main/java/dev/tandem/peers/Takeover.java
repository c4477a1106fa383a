package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.Input.ProbeResult;
import dev.tandem.peers.LeaseWrites.LeaseOp;
import dev.tandem.peers.LeaseWrites.WriteKind;
import dev.tandem.peers.PeerMessage.HeardAnswer;
import dev.tandem.peers.PeerMessage.HeardQuery;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Automatic takeover (T22 to T24): a standby that saw the lease unchanged for W, and may take it by
 * conditions (a) to (e) of §2.4, asks the other standbys whether they heard a writable active, and
 * then writes the lease at the next epoch (L6). It needs the startup probe to have passed (§5.6).
 */
final class Takeover extends NodePart {
    /** The startup probe (§5.6) passed, so this node may take the lease automatically. */
    boolean probeOk;
    /** What the last probe found wrong; null when it passed or has not run (an active never needs it). */
    String probeFailure;
    /** The last probe failed because the store answered a condition wrongly, not because it did not answer. */
    boolean probeRefused;

    private final Map<String, HeardAnswer> heardAnswers = new TreeMap<>();

    private long nextProbeAt = NEVER;
    private long heardRound;
    private long heardRoundSentAt = NEVER;
    private long deferUntil = NEVER;

    Takeover(Node node) {
        super(node);
    }

    /** A failed probe runs again: 2 s later when the store did not answer (a blip at start), else 30 s. */
    void probeTimer() {
        if (settings.leaseStore()
                && settings.automaticFailover()
                && !probeOk
                && nextProbeAt != NEVER
                && node.now >= nextProbeAt) {
            nextProbeAt = NEVER;
            out.add(new Action.RunProbe());
        }
    }

    void probeResult(ProbeResult probe) {
        probeOk = probe.ok();
        probeFailure = probe.ok() ? null : probe.detail();
        probeRefused = !probe.ok() && probe.reachable();
        if (!probe.ok()) {
            nextProbeAt = node.now + (probe.reachable() ? 30_000 : 2_000) * MS;
            node.event("probe-failed", "detail", probe.detail());
        }
    }

    void check() {
        if (!probeOk
                || node.state != State.FOLLOWING
                || node.leaseWrites.inFlight()
                || node.lease.observed == null
                || node.lease.observedEtag == null) {
            return;
        }
        Lease lease = node.lease.observed;
        // The lease's sync standby means something only in sync mode: an async holder commits without it.
        boolean syncSelf =
                lease.replication() == Replication.SYNC && settings.self().equals(lease.syncStandby());
        boolean lossy = lease.syncStandby() == null && lease.allowDataLoss() && settings.allowDataLoss();
        boolean eligible = (syncSelf || lossy)
                && node.now - node.lease.observedSince >= timing.takeoverWait(lease)
                && node.now >= node.failsafe.promisedUntil
                && node.now >= deferUntil
                && lease.failsafeMembers().contains(settings.self())
                && lease.epoch() >= node.currentEpoch
                && !lease.holder().equals(settings.self());
        if (!eligible) {
            heardRoundSentAt = NEVER;
            return;
        }
        List<String> askable = settings.others().stream()
                .filter(name -> !name.equals(lease.holder()))
                .toList();
        if (!askable.isEmpty()) {
            if (heardRoundSentAt == NEVER) {
                heardRound++;
                heardRoundSentAt = node.now;
                heardAnswers.clear();
                for (String other : askable) {
                    node.send(other, new HeardQuery(node.header()));
                }
                return;
            }
            if (heardAnswers.size() < askable.size() && node.now - heardRoundSentAt < timing.callTimeout()) {
                return;
            }
            heardRoundSentAt = NEVER;
            for (HeardAnswer answer : heardAnswers.values()) {
                if (answer.heardAgoNanos() >= 0 && answer.heardAgoNanos() < timing.ttl()) {
                    node.event(
                            "takeover-vetoed", "by", answer.header().from(), "heardAgoMs", answer.heardAgoNanos() / MS);
                    return;
                }
                if (lossy && better(answer)) {
                    deferUntil = node.now + timing.leasePoll();
                    return;
                }
            }
        }
        Lease taken = node.leaseWrites.lease(settings.self(), lease.epoch() + 1, 0, null);
        node.leaseWrites.writeLease(WriteKind.TAKEOVER, taken, new Matches(node.lease.observedEtag));
    }

    private boolean better(HeardAnswer answer) {
        if (answer.lastEntryEpoch() != log.lastEntryEpoch()) {
            return answer.lastEntryEpoch() > log.lastEntryEpoch();
        }
        if (answer.lastIndex() != log.lastIndex()) {
            return answer.lastIndex() > log.lastIndex();
        }
        return answer.header().from().compareTo(settings.self()) < 0;
    }

    void onHeardQuery(String from) {
        long heardWritableAt = node.follower.heardWritableAt;
        long ago = heardWritableAt == NEVER ? -1 : node.now - heardWritableAt;
        node.send(from, new HeardAnswer(node.header(), ago, log.lastIndex(), log.lastEntryEpoch()));
    }

    void onHeardAnswer(String from, HeardAnswer answer) {
        if (heardRoundSentAt != NEVER) {
            heardAnswers.put(from, answer);
        }
    }

    /** T24: the takeover landed; the new epoch starts with a gap of one revision number (§3.6). */
    void tookOver(LeaseOp op) {
        Lease observed = node.lease.observed;
        boolean loss = observed == null
                || observed.replication() != Replication.SYNC
                || !settings.self().equals(observed.syncStandby());
        String previous = observed == null ? "" : observed.holder();
        node.setEpoch(op.lease().epoch(), settings.self(), RoleIntent.ACTIVE);
        node.lease.renewFrom(op.sentAt());
        node.sync.apply(null);
        node.leader.becomePromoting(new EpochStart("failover", "", loss, true, previous));
        node.authority.writeNotBefore = NEVER;
        node.event("failover", "epoch", node.currentEpoch, "previous", previous, "lossAccepted", loss);
        node.leader.lead();
    }
}
