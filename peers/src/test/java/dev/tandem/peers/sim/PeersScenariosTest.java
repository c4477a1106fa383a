package dev.tandem.peers.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.peers.Command;
import dev.tandem.peers.EntryKinds;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.OperatorAnswer;
import dev.tandem.peers.Replication;
import dev.tandem.peers.State;
import dev.tandem.peers.Timing;
import dev.tandem.peers.WriteOutcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviours on a fixed timeline, each on the simulated clock (so the times asserted are
 * simulated, not measured on a noisy machine), with every invariant checked after each event.
 */
class PeersScenariosTest {
    private static final long SECOND = Scenario.SECOND;
    private static final long MS = 1_000_000L;

    @Test
    void killingTheActiveMakesTheSyncStandbyActiveWithinAfterPlusTwoSeconds() {
        Simulation sim = new Simulation(Scenario.fixed(2, Replication.SYNC, true, true, 50), false);
        sim.begin();
        sim.runUntil(5 * SECOND);
        assertThat(sim.view("p1").syncStandby()).isEqualTo("p2");

        sim.crashNow("p1");
        long killedAt = sim.now();
        long promotedAt = runUntilWriter(sim, "p2", 30 * SECOND);
        long after = Scenario.simTiming(Timing.defaults()).failoverAfter();
        assertThat(promotedAt - killedAt).isLessThanOrEqualTo(after + 2 * SECOND);
        assertThat(sim.view("p2").epoch()).isEqualTo(2);

        sim.restartNow("p1");
        sim.stopClientLoad();
        sim.runUntil(sim.now() + 5 * SECOND);
        NodeView old = sim.view("p1");
        assertThat(old.state()).isEqualTo(State.FOLLOWING);
        assertThat(old.lastIndex()).isEqualTo(sim.view("p2").lastIndex());
        sim.checker().holdsAcknowledged("p1", Long.MAX_VALUE, sim.node("p1").disk.tables, "I2");
        sim.checker().holdsAcknowledged("p2", Long.MAX_VALUE, sim.node("p2").disk.tables, "I2");
        assertThat(sim.checker().acknowledgedCount()).isGreaterThan(100);
    }

    @Test
    void aPausedActiveDoesNotWriteAfterItResumesUntilItHasLearntTheNewEpoch() {
        Simulation sim = new Simulation(Scenario.fixed(2, Replication.SYNC, true, true, 50), false);
        sim.begin();
        sim.runUntil(5 * SECOND);
        sim.pauseNow("p1", 16 * SECOND);
        runUntilWriter(sim, "p2", 20 * SECOND);
        sim.runUntil(21 * SECOND + MS);
        // p1 resumed at 21 s: its lease ran out on its own monotonic clock while it was stopped.
        assertThat(sim.acceptsWrites("p1")).isFalse();
        long write = sim.writeTo("p1", EntryKinds.REVISION);
        sim.runUntil(23 * SECOND);
        assertThat(sim.view("p1").state()).isEqualTo(State.FOLLOWING);
        assertThat(sim.view("p1").epoch()).isEqualTo(2);
        assertThat(sim.outcomes().get(write)).isInstanceOf(WriteOutcome.Misdirected.class);
    }

    @Test
    void switchActiveHandsOverWithinASecondAndNoWriteFails() {
        for (boolean leaseStore : List.of(true, false)) {
            Simulation sim = new Simulation(Scenario.fixed(2, Replication.SYNC, leaseStore, false, 50), false);
            sim.begin();
            sim.runUntil(5 * SECOND);
            sim.outcomes().clear();
            sim.operator("p1", new Command.SwitchActive("p2", "operator"));
            sim.runUntil(8 * SECOND);
            assertThat(sim.replies()).hasSize(1);
            OperatorAnswer answer = sim.replies().get(0).answer();
            assertThat(answer).as("lease store: %s", leaseStore).isInstanceOf(OperatorAnswer.Switched.class);
            assertThat(((OperatorAnswer.Switched) answer).tookNanos()).isLessThan(SECOND);
            assertThat(sim.acceptsWrites("p2")).isTrue();
            assertThat(sim.outcomes().values()).noneMatch(outcome -> outcome instanceof WriteOutcome.Unavailable);
            assertThat(sim.outcomes().values()).anyMatch(outcome -> outcome instanceof WriteOutcome.Committed);
        }
    }

    @Test
    void aNodeWithoutPeersIsItsOwnWriterAndCommitsAtOnce() {
        for (boolean leaseStore : List.of(false, true)) {
            Simulation sim = new Simulation(Scenario.fixed(1, Replication.SYNC, leaseStore, false, 50), false);
            sim.begin();
            sim.runUntil(3 * SECOND);
            assertThat(sim.view("p1").state()).as("lease store: %s", leaseStore).isEqualTo(State.STANDALONE);
            // Every write commits, but those the simulated application refuses itself (3 %).
            assertThat(sim.outcomes().values())
                    .isNotEmpty()
                    .allMatch(outcome ->
                            outcome instanceof WriteOutcome.Committed || outcome instanceof WriteOutcome.Refused)
                    .anyMatch(outcome -> outcome instanceof WriteOutcome.Committed);
            assertThat(sim.view("p1").commitIndex()).isEqualTo(sim.view("p1").lastIndex());
        }
    }

    @Test
    void entriesDroppedOnALiveLinkReachTheStandbyWithoutAnotherWrite() {
        Simulation sim = new Simulation(Scenario.fixed(2, Replication.SYNC, true, false, 0), false);
        sim.begin();
        sim.runUntil(3 * SECOND);
        assertThat(sim.view("p1").syncStandby()).isEqualTo("p2");

        // The link stays up and drops what p1 streams (a full send queue): the write waits syncTimeout,
        // then p1 goes on without a sync standby.
        sim.network().dropEntries("p1", "p2", true);
        long write = sim.writeTo("p1", EntryKinds.REVISION);
        sim.runUntil(sim.now() + Scenario.simTiming(Timing.defaults()).syncTimeout() + SECOND);
        assertThat(sim.outcomes().get(write)).isInstanceOf(WriteOutcome.Committed.class);
        assertThat(sim.view("p1").syncStandby()).isNull();

        // Nothing is written after the link drains: the heartbeats alone bring the standby back.
        sim.network().dropEntries("p1", "p2", false);
        sim.runUntil(sim.now() + 3 * SECOND);
        assertThat(sim.view("p2").lastIndex()).isEqualTo(sim.view("p1").lastIndex());
        assertThat(sim.view("p1").syncStandby()).isEqualTo("p2");
        sim.checker().holdsAcknowledged("p2", Long.MAX_VALUE, sim.node("p2").disk.tables, "I2");
    }

    @Test
    void aWriteSentToAStandbyIsMisdirectedToTheActive() {
        Simulation sim = new Simulation(Scenario.fixed(2, Replication.SYNC, true, false, 0), false);
        sim.begin();
        sim.runUntil(3 * SECOND);
        long write = sim.writeTo("p2", EntryKinds.REVISION);
        sim.runUntil(3 * SECOND + 100 * MS);
        assertThat(sim.outcomes().get(write)).isEqualTo(new WriteOutcome.Misdirected("p1", 1));
    }

    @Test
    void aLaggingStandbyIsNotServingAndServesAgainOnceCaughtUp() {
        Simulation sim = new Simulation(Scenario.fixed(2, Replication.ASYNC, true, false, 100), false);
        sim.begin();
        sim.runUntil(3 * SECOND);
        sim.crashNow("p2");
        sim.runUntil(10 * SECOND);
        sim.servingChanges().clear();
        sim.restartNow("p2");
        sim.runUntil(13 * SECOND);
        List<String> p2 = sim.servingChanges().stream()
                .filter(change -> change.startsWith("p2"))
                .toList();
        assertThat(p2).hasSizeGreaterThanOrEqualTo(2);
        assertThat(p2).anyMatch(change -> change.startsWith("p2 serving=false lagging"));
        assertThat(p2.get(p2.size() - 1)).isEqualTo("p2 serving=true");
    }

    @Test
    void withThreePeersOnlyTheSyncStandbyTakesOverAndTheOtherFollowsIt() {
        Simulation sim = new Simulation(Scenario.fixed(3, Replication.SYNC, true, true, 50), false);
        sim.begin();
        sim.runUntil(5 * SECOND);
        String sync = sim.view("p1").syncStandby();
        String other = sync.equals("p2") ? "p3" : "p2";
        sim.crashNow("p1");
        runUntilWriter(sim, sync, 30 * SECOND);
        sim.runUntil(sim.now() + 3 * SECOND);
        assertThat(sim.acceptsWrites(other)).isFalse();
        assertThat(sim.view(other).epochActive()).isEqualTo(sync);
        assertThat(sim.view(other).lastIndex()).isGreaterThan(0);
    }

    @Test
    void aStateTransferThatDoesNotVerifyIsRefusedAndNothingIsInstalled() {
        Simulation sim = new Simulation(Scenario.fixed(2, Replication.ASYNC, true, false, 100), false);
        sim.begin();
        sim.runUntil(3 * SECOND);
        sim.crashNow("p2");
        sim.runUntil(8 * SECOND);
        long before = sim.node("p2").disk.lastIndex();
        sim.network().corruptTransfers = true;
        sim.restartNow("p2");
        sim.runUntil(11 * SECOND);
        assertThat(sim.view("p2").state()).isEqualTo(State.TRANSFERRING);
        assertThat(sim.node("p2").disk.lastIndex()).isEqualTo(before);
        assertThat(sim.counts()).containsKey("refused");

        sim.network().corruptTransfers = false;
        sim.stopClientLoad();
        sim.runUntil(45 * SECOND);
        assertThat(sim.view("p2").state()).isEqualTo(State.FOLLOWING);
        assertThat(sim.view("p2").lastIndex()).isEqualTo(sim.view("p1").lastIndex());
    }

    /** Runs until {@code node} accepts writes and returns that simulated time. */
    private static long runUntilWriter(Simulation sim, String node, long limit) {
        while (sim.now() < limit) {
            sim.runUntil(sim.now() + 10 * MS);
            if (sim.acceptsWrites(node)) {
                return sim.now();
            }
        }
        throw new AssertionError(node + " did not become the writer by " + limit / MS + " ms: " + sim.views());
    }
}
