package dev.tandem.peers.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Thousands of seeded fault schedules against the peers protocol, each checking ADR 0014's
 * invariants after every event and liveness at its end (§7.5). CI runs the seeds {@code base …
 * base + N − 1}; {@code -Dpeers.sim.schedules=N} and {@code -Dpeers.sim.base=B} (or {@code random})
 * run more by hand, and {@code -Dpeers.sim.seed=S} replays one seed with its whole trace.
 */
class PeersSimulationTest {
    /** What every full run must exercise, or the schedules test less than they claim. */
    private static final List<String> COVERED = List.of(
            "failover",
            "promoted",
            "switched",
            "diverged",
            "failsafe",
            "degraded",
            "fenced",
            "demoted",
            "sync-standby");

    private static final Map<String, Integer> COUNTS = new ConcurrentSkipListMap<>();
    private static final AtomicInteger RUN = new AtomicInteger();

    @TestFactory
    Stream<DynamicTest> schedules() {
        String replay = System.getProperty("peers.sim.seed", "");
        if (!replay.isBlank()) {
            long seed = Long.parseLong(replay.trim());
            return Stream.of(DynamicTest.dynamicTest("seed " + seed, () -> runSeed(seed, true)));
        }
        int count = Integer.getInteger("peers.sim.schedules", 10000);
        String baseText = System.getProperty("peers.sim.base", "1").trim();
        long base = baseText.equals("random") ? new SplittableRandom().nextLong(1L << 40) : Long.parseLong(baseText);
        return LongStream.range(base, base + count)
                .mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> runSeed(seed, false)));
    }

    @AfterAll
    static void theSchedulesExerciseEveryPath() {
        if (RUN.get() < 1000) {
            return;
        }
        System.out.println("peers simulation: " + RUN.get() + " schedules, machine events " + COUNTS);
        for (String event : COVERED) {
            assertThat(COUNTS.getOrDefault(event, 0))
                    .as("schedules in which '%s' happened", event)
                    .isPositive();
        }
    }

    static void runSeed(long seed, boolean fullTrace) {
        Scenario scenario = Scenario.draw(seed);
        Simulation simulation = new Simulation(scenario, fullTrace);
        try {
            simulation.run();
            RUN.incrementAndGet();
            simulation.counts().forEach((name, count) -> COUNTS.merge(name, count, Integer::sum));
        } catch (Checker.Violation violation) {
            fail(
                    "seed " + seed + " (" + scenario + ") broke " + violation.getMessage()
                            + "\nreplay: ./mvnw -pl peers test -Dtest="
                            + PeersSimulationTest.class.getSimpleName() + " -Dpeers.sim.seed=" + seed + "\nstate:"
                            + simulation.views()
                            + "\nlast events:\n" + simulation.recentTrace(),
                    violation);
        }
    }
}
