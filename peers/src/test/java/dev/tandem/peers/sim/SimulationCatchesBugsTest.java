package dev.tandem.peers.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.peers.Timing;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The checks catch a bug (ADR 0014 §7.5): each case breaks the protocol on purpose in the harness,
 * never in the machine, and the simulation must find a broken invariant within 2,000 seeds (each case is caught at a fixed seed, so the test always takes the same time).
 */
class SimulationCatchesBugsTest {
    private static final int SEEDS = Integer.getInteger("bugseeds", 2000);

    @Test
    void aNegativeSafetyMarginLetsTheHolderWriteAfterATakeover() {
        Timing defaults = Scenario.simTiming(Timing.defaults());
        Timing broken = new Timing(
                defaults.ttl(),
                -5_000_000_000L,
                defaults.renewInterval(),
                defaults.s3AttemptTimeout(),
                defaults.s3Attempts(),
                defaults.failoverAfter(),
                defaults.leasePoll(),
                defaults.driftPpm(),
                defaults.syncTimeout(),
                defaults.writeWait(),
                defaults.switchTimeout(),
                defaults.heartbeat(),
                defaults.ackInterval(),
                defaults.callTimeout(),
                defaults.maxServeLag(),
                defaults.retainEntries());
        assertThat(broken.problems()).isNotEmpty();
        assertCaught(scenario -> scenario.withLeaseStore(true).withTiming(broken), Set.of("I1"));
    }

    @Test
    void aDiskThatLosesEpochsBreaksEpochsOrCommittedLogs() {
        assertCaught(Scenario::withEpochPersistsDropped, Set.of("I6", "I4", "I1", "I2", "I5"));
    }

    @Test
    void aClockOutsideTheDriftBoundMakesTwoWriters() {
        assertCaught(scenario -> scenario.withLeaseStore(true).withSlowClock("p1"), Set.of("I1"));
    }

    @Test
    void anOperatorWhoPromotesBesideALiveActiveMakesTwoWriters() {
        assertCaught(Scenario::withLyingOperator, Set.of("I1"));
    }

    private static void assertCaught(UnaryOperator<Scenario> breakIt, Set<String> expected) {
        for (long seed = 1; seed <= SEEDS; seed++) {
            Scenario scenario = breakIt.apply(Scenario.draw(seed));
            try {
                new Simulation(scenario, false).run();
            } catch (Checker.Violation violation) {
                if (expected.contains(violation.invariant)) {
                    System.out.println("caught at seed " + seed + ": " + violation.getMessage());
                    return;
                }
            }
        }
        throw new AssertionError("no seed of " + SEEDS + " broke " + expected);
    }
}
