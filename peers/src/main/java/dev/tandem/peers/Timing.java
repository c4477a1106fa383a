package dev.tandem.peers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol's clocks and bounds (ADR 0014 §5.4), in nanoseconds of each node's monotonic clock.
 * {@link #problems()} is the start-up check: a breach names the fields, because these relations are
 * what keeps two peers from writing at once.
 *
 * @param driftPpm the bound assumed on how far two nodes' monotonic clocks may run apart, in parts per million
 */
public record Timing(
        long ttl,
        long safetyMargin,
        long renewInterval,
        long s3AttemptTimeout,
        int s3Attempts,
        long failoverAfter,
        long leasePoll,
        long driftPpm,
        long syncTimeout,
        long writeWait,
        long switchTimeout,
        long heartbeat,
        long ackInterval,
        long callTimeout,
        long maxServeLag,
        long retainEntries) {

    public static Timing defaults() {
        return new Timing(
                nanos(Duration.ofSeconds(8)),
                nanos(Duration.ofSeconds(2)),
                nanos(Duration.ofSeconds(2)),
                nanos(Duration.ofSeconds(1)),
                2,
                nanos(Duration.ofSeconds(10)),
                nanos(Duration.ofSeconds(1)),
                10_000,
                nanos(Duration.ofSeconds(5)),
                nanos(Duration.ofSeconds(10)),
                nanos(Duration.ofSeconds(10)),
                nanos(Duration.ofMillis(250)),
                nanos(Duration.ofSeconds(1)),
                nanos(Duration.ofSeconds(1)),
                100,
                10_000);
    }

    public static long nanos(Duration duration) {
        return duration.toNanos();
    }

    /** The S3 retry budget B: every attempt of one lease operation at its timeout. */
    public long retryBudget() {
        return s3AttemptTimeout * s3Attempts;
    }

    /**
     * W: how long a taker must see one lease version unchanged before it writes, and how long a
     * failsafe promise binds. The lease's own ttl and margin count when they are longer (a holder
     * with other settings, open question 1 of the ADR).
     */
    public long takeoverWait(Lease lease) {
        long leaseTtl = lease == null ? ttl : Math.max(ttl, lease.ttl());
        long margin = lease == null ? safetyMargin : Math.max(safetyMargin, lease.safetyMargin());
        return Math.max(failoverAfter, leaseTtl + margin);
    }

    /** The relations of ADR 0014 §5.4; empty when they hold. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (safetyMargin < nanos(Duration.ofSeconds(1))) {
            problems.add("peering.lease.safetyMargin must be at least 1s (it is " + text(safetyMargin) + ")");
        }
        if (renewInterval + 2 * retryBudget() > ttl - safetyMargin) {
            problems.add("peering.lease.renewInterval (" + text(renewInterval) + ") plus twice the S3 retry budget ("
                    + text(retryBudget()) + " = s3AttemptTimeout × " + s3Attempts + ") must fit in ttl − safetyMargin ("
                    + text(ttl - safetyMargin) + ")");
        }
        if (failoverAfter < ttl + safetyMargin) {
            problems.add("failover.after (" + text(failoverAfter)
                    + ") must be at least peering.lease.ttl + safetyMargin (" + text(ttl + safetyMargin) + ")");
        }
        double rho = driftPpm / 1_000_000.0;
        if ((ttl - safetyMargin) * (1 + rho) >= takeoverWait(null) * (1 - rho)) {
            problems.add("peering.lease.ttl − safetyMargin (" + text(ttl - safetyMargin)
                    + ") must stay below failover.after under the assumed clock drift of " + driftPpm + " ppm");
        }
        if (syncTimeout < 4 * heartbeat) {
            problems.add("peering.syncTimeout (" + text(syncTimeout) + ") must be at least 4 heartbeats ("
                    + text(4 * heartbeat) + ")");
        }
        if (writeWait < syncTimeout + retryBudget()) {
            problems.add(
                    "peering.writeWait (" + text(writeWait) + ") must be at least syncTimeout + the S3 retry budget ("
                            + text(syncTimeout + retryBudget()) + ")");
        }
        if (maxServeLag < 0) {
            problems.add("peering.maxServeLag must not be negative");
        }
        if (retainEntries < 100) {
            problems.add("peering.log.retainEntries must be at least 100 (it is " + retainEntries + ")");
        }
        return problems;
    }

    static String text(long nanos) {
        Duration duration = Duration.ofNanos(nanos);
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}
