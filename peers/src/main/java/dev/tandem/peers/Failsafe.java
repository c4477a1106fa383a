package dev.tandem.peers;

import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.PeerMessage.FailsafeAnswer;
import dev.tandem.peers.PeerMessage.FailsafeProbe;
import java.util.Set;
import java.util.TreeSet;

/**
 * Failsafe (T8, T9, T25, T28): while the lease store is unreachable for the active, every other
 * member confirming that it has not taken the lease extends the active's authority; a standby that
 * confirms promises not to take the lease for W.
 */
final class Failsafe extends NodePart {
    /** The active asks every member to confirm, because the lease store is unreachable (T8). */
    boolean mode;
    /** Send time of the last round every member confirmed + ttl − safetyMargin (T9). */
    long until = NEVER;
    /** Standby: until when it has promised the active not to take the lease (§5.4). */
    long promisedUntil = NEVER;

    private final Set<String> confirmed = new TreeSet<>();

    private long round;
    private long roundSentAt = NEVER;
    private long nextRoundAt = NEVER;

    Failsafe(Node node) {
        super(node);
    }

    /** T8: a renewal did not reach the store. */
    void enter(String detail) {
        mode = true;
        nextRoundAt = node.now;
        until = NEVER;
        node.event(
                "failsafe",
                "detail",
                "the lease store is unreachable (" + detail + "): asking every member to confirm");
    }

    void roundTimer() {
        if (mode && node.now >= nextRoundAt && node.isActiveOfEpoch()) {
            startRound();
        }
    }

    private void startRound() {
        round++;
        roundSentAt = node.now;
        confirmed.clear();
        nextRoundAt = node.now + timing.renewInterval();
        for (String other : settings.others()) {
            node.send(other, new FailsafeProbe(node.header(), round));
        }
    }

    void onAnswer(String from, FailsafeAnswer answer) {
        if (!mode || answer.round() != round || answer.header().epoch() != node.currentEpoch || answer.taken()) {
            return;
        }
        confirmed.add(from);
        if (confirmed.containsAll(settings.others())) {
            until = Math.max(until, roundSentAt + timing.ttl() - timing.safetyMargin());
        }
    }

    void onProbe(String from, FailsafeProbe probe) {
        boolean taking = node.leaseWrites.taking();
        boolean fromItsActive = from.equals(node.epochActive) && node.state.role() == Role.STANDBY;
        if (!taking && fromItsActive) {
            promisedUntil = Math.max(promisedUntil, node.now + node.lease.w());
        }
        node.send(from, new FailsafeAnswer(node.header(), probe.round(), taking || !fromItsActive));
    }
}
