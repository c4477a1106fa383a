package dev.tandem.peers.sim;

import dev.tandem.peers.Replication;
import dev.tandem.peers.Timing;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What one schedule runs with, drawn from its seed: the cluster's shape and settings, the client
 * load and how often streams break. The faults themselves are drawn as the schedule runs.
 *
 * @param dropProbability a message dropped on a link that stays up, as the real transport drops a
 *     message to a member whose stream is not writable or whose queue is full (GrpcPeerLink#send)
 * @param slowClock a node whose monotonic clock runs at half speed, outside the drift bound (a
 *     deliberate bug), or null
 * @param operatorLies without a lease store, the operator says the old active is down when it is
 *     not (a deliberate bug)
 * @param dropEpochPersists the disk loses every epoch it was asked to persist (a deliberate bug)
 */
record Scenario(
        long seed,
        int nodes,
        Replication replication,
        boolean leaseStore,
        boolean automaticFailover,
        boolean failsafe,
        boolean allowDataLoss,
        double writesPerSecond,
        double breakProbability,
        double dropProbability,
        int faults,
        Timing timing,
        String slowClock,
        boolean operatorLies,
        boolean dropEpochPersists) {

    static final long SECOND = 1_000_000_000L;
    /** Faults and operator commands happen in this window; then everything heals. */
    static final long FAULT_WINDOW = 20 * SECOND;

    static Scenario draw(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int nodes = random.nextDouble() < 0.6 ? 2 : 3;
        Replication replication = random.nextDouble() < 0.75 ? Replication.SYNC : Replication.ASYNC;
        boolean leaseStore = random.nextDouble() < 0.75;
        boolean automatic = leaseStore && random.nextDouble() < 0.7;
        boolean failsafe = random.nextDouble() < 0.7;
        boolean allowDataLoss = replication == Replication.ASYNC && random.nextDouble() < 0.5;
        double writes = 10 + random.nextDouble() * 90;
        double breaks = random.nextDouble() < 0.5 ? 0 : random.nextDouble() * 0.01;
        int faults = 2 + random.nextInt(9);
        // Drawn last, so that what a seed drew before drops existed stays the same.
        double drops = random.nextDouble() < 0.5 ? 0 : random.nextDouble() * 0.01;
        return new Scenario(
                seed,
                nodes,
                replication,
                leaseStore,
                automatic,
                failsafe,
                allowDataLoss,
                writes,
                breaks,
                drops,
                faults,
                simTiming(Timing.defaults()),
                null,
                false,
                false);
    }

    /** A cluster without random faults, for the scripted tests: they inject their own. */
    static Scenario fixed(
            int nodes, Replication replication, boolean leaseStore, boolean automatic, double writesPerSecond) {
        return new Scenario(
                1,
                nodes,
                replication,
                leaseStore,
                automatic,
                true,
                false,
                writesPerSecond,
                0,
                0,
                0,
                simTiming(Timing.defaults()),
                null,
                false,
                false);
    }

    /** The defaults, with a small log so that compaction and state transfers happen within a schedule. */
    static Timing simTiming(Timing timing) {
        return new Timing(
                timing.ttl(),
                timing.safetyMargin(),
                timing.renewInterval(),
                timing.s3AttemptTimeout(),
                timing.s3Attempts(),
                timing.failoverAfter(),
                timing.leasePoll(),
                timing.driftPpm(),
                timing.syncTimeout(),
                timing.writeWait(),
                timing.switchTimeout(),
                timing.heartbeat(),
                timing.ackInterval(),
                timing.callTimeout(),
                timing.maxServeLag(),
                100);
    }

    Scenario withTiming(Timing other) {
        return new Scenario(
                seed,
                nodes,
                replication,
                leaseStore,
                automaticFailover,
                failsafe,
                allowDataLoss,
                writesPerSecond,
                breakProbability,
                dropProbability,
                faults,
                other,
                slowClock,
                operatorLies,
                dropEpochPersists);
    }

    Scenario withSlowClock(String node) {
        return new Scenario(
                seed,
                nodes,
                replication,
                leaseStore,
                automaticFailover,
                failsafe,
                allowDataLoss,
                writesPerSecond,
                breakProbability,
                dropProbability,
                faults,
                timing,
                node,
                operatorLies,
                dropEpochPersists);
    }

    Scenario withLyingOperator() {
        return new Scenario(
                seed,
                nodes,
                replication,
                false,
                false,
                failsafe,
                allowDataLoss,
                writesPerSecond,
                breakProbability,
                dropProbability,
                faults,
                timing,
                slowClock,
                true,
                dropEpochPersists);
    }

    Scenario withEpochPersistsDropped() {
        return new Scenario(
                seed,
                nodes,
                replication,
                leaseStore,
                automaticFailover,
                failsafe,
                allowDataLoss,
                writesPerSecond,
                breakProbability,
                dropProbability,
                faults,
                timing,
                slowClock,
                operatorLies,
                true);
    }

    Scenario withLeaseStore(boolean automatic) {
        return new Scenario(
                seed,
                nodes,
                replication,
                true,
                automatic,
                failsafe,
                allowDataLoss,
                writesPerSecond,
                breakProbability,
                dropProbability,
                faults,
                timing,
                slowClock,
                operatorLies,
                dropEpochPersists);
    }

    @Override
    public String toString() {
        return nodes + " nodes, " + replication.name().toLowerCase(Locale.ROOT)
                + (leaseStore ? ", lease store" : ", no lease store")
                + (automaticFailover ? ", automatic failover" : "") + (failsafe ? ", failsafe" : "")
                + (allowDataLoss ? ", allowDataLoss" : "")
                + String.format(
                        ", %.0f writes/s, %.3f breaks/message, %.3f drops/message, %d faults",
                        writesPerSecond, breakProbability, dropProbability, faults);
    }
}
