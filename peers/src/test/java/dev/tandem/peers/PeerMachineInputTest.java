package dev.tandem.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.peers.Action.AnswerWrite;
import dev.tandem.peers.Action.Event;
import dev.tandem.peers.Action.Persist;
import dev.tandem.peers.Action.Send;
import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.Input.ClientWrite;
import dev.tandem.peers.Input.LinkChanged;
import dev.tandem.peers.Input.Received;
import dev.tandem.peers.Input.Start;
import dev.tandem.peers.PeerMessage.Ack;
import dev.tandem.peers.PeerMessage.Entries;
import dev.tandem.peers.PeerMessage.Heartbeat;
import dev.tandem.peers.PeerMessage.Refused;
import dev.tandem.peers.PeerMessage.Subscribe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad peer input (issue 16): refused with the reason, nothing applied. A standby at epoch 3 following p1. */
class PeerMachineInputTest {
    private static final String CLUSTER = "edge";

    private final List<LogEntry> log = new ArrayList<>();
    private PeerMachine standby;
    private long mono = 1_000_000_000L;

    @BeforeEach
    void standbyWithTwoCommittedEntries() {
        Checksum prev = Checksum.genesis(CLUSTER);
        for (int i = 1; i <= 2; i++) {
            LogEntry entry =
                    LogEntry.create(prev, 3, i, EntryKinds.REVISION, i, ("doc " + i).getBytes(StandardCharsets.UTF_8));
            log.add(entry);
            prev = entry.checksum();
        }
        DurableState restored = new DurableState(
                3,
                "p1",
                RoleIntent.STANDBY,
                LogBase.empty(CLUSTER),
                log.stream().map(LogEntry::meta).toList(),
                2,
                new ServedId(3, 2, 2),
                "p2");
        NodeSettings settings =
                new NodeSettings(CLUSTER, "p2", List.of("p1", "p2"), Replication.SYNC, false, false, false, true);
        standby = new PeerMachine(settings, Timing.defaults(), restored);
        standby.handle(new Start(at(), "boot"));
        List<Action> linked = standby.handle(new LinkChanged(at(), "p1", true));
        assertThat(linked).anyMatch(action -> action instanceof Send send && send.message() instanceof Subscribe);
    }

    @Test
    void aMessageFromALowerEpochIsRefusedAndNothingIsApplied() {
        List<Action> actions = standby.handle(
                new Received(at(), "p1", new Heartbeat(header("p1", 2), 9, 9, true, null, Heartbeat.NOT_STREAMING)));
        assertThat(refusal(actions)).isEqualTo("lower-epoch");
        assertThat(actions).noneMatch(action -> action instanceof Persist);
    }

    @Test
    void aMessageFromANonMemberOrAnotherClusterIsDropped() {
        List<Action> stranger = standby.handle(
                new Received(at(), "p9", new Heartbeat(header("p9", 3), 9, 9, true, null, Heartbeat.NOT_STREAMING)));
        List<Action> otherCluster = standby.handle(new Received(
                at(), "p1", new Heartbeat(new Header("other", 3, "p1", 0), 9, 9, true, null, Heartbeat.NOT_STREAMING)));
        for (List<Action> actions : List.of(stranger, otherCluster)) {
            assertThat(actions).hasSize(1);
            assertThat(actions.get(0))
                    .isInstanceOfSatisfying(
                            Event.class, event -> assertThat(event.fields()).containsEntry("reason", "not-a-peer"));
        }
    }

    @Test
    void anEntryWhoseChecksumDoesNotRecomputeIsRefusedAsTruncated() {
        LogEntry good = LogEntry.create(log.get(1).checksum(), 3, 3, "token", 0, "t".getBytes(StandardCharsets.UTF_8));
        LogEntry tampered = new LogEntry(3, 3, "token", 0, "T".getBytes(StandardCharsets.UTF_8), good.checksum());
        List<Action> actions = standby.handle(entries(2, tampered));
        assertThat(refusal(actions)).isEqualTo("truncated");
        assertThat(actions).noneMatch(action -> action instanceof Persist);
        assertThat(standby.view().lastIndex()).isEqualTo(2);
    }

    @Test
    void aReplayedEntryThatDiffersFromACommittedOneIsRefused() {
        LogEntry other = LogEntry.create(
                log.get(0).checksum(), 3, 2, EntryKinds.REVISION, 2, "forged".getBytes(StandardCharsets.UTF_8));
        searchForkAt(1);
        List<Action> actions = standby.handle(entries(1, other));
        assertThat(refusal(actions)).isEqualTo("replayed");
        assertThat(actions).noneMatch(action -> action instanceof Persist);
        assertThat(actions)
                .anyMatch(
                        action -> action instanceof Event event && event.name().equals("alert"));
    }

    @Test
    void aResentEntryIsSkippedAndAFreshOneIsStoredThenAcknowledged() {
        LogEntry next = LogEntry.create(log.get(1).checksum(), 3, 3, "token", 0, "t".getBytes(StandardCharsets.UTF_8));
        searchForkAt(1);
        List<Action> actions = standby.handle(entries(1, log.get(1), next));
        assertThat(actions)
                .filteredOn(action -> action instanceof Persist persist && persist.change() instanceof Append)
                .singleElement()
                .satisfies(action -> assertThat(((Append) ((Persist) action).change()).entries())
                        .containsExactly(next));
        int stored = indexOf(actions, Persist.class);
        int acked = indexOf(actions, Send.class);
        assertThat(stored).isLessThan(acked);
        assertThat(((Send) actions.get(acked)).message()).isInstanceOf(Ack.class);
    }

    @Test
    void aWriteSentToTheStandbyIsMisdirected() {
        List<Action> actions = standby.handle(new ClientWrite(at(), 7, EntryKinds.REVISION));
        assertThat(actions).containsExactly(new AnswerWrite(7, new WriteOutcome.Misdirected("p1", 3)));
    }

    /** The active answers a Subscribe with Diverging: the standby looks again from {@code index}. */
    private void searchForkAt(long index) {
        List<Action> actions =
                standby.handle(new Received(at(), "p1", new PeerMessage.Diverging(header("p1", 3), index, 2)));
        assertThat(actions)
                .anyMatch(action -> action instanceof Send send
                        && send.message() instanceof Subscribe subscribe
                        && subscribe.lastIndex() == index);
    }

    private Received entries(long prevIndex, LogEntry... entries) {
        Checksum prev = prevIndex == 0
                ? Checksum.genesis(CLUSTER)
                : log.get((int) prevIndex - 1).checksum();
        return new Received(
                at(),
                "p1",
                new Entries(header("p1", 3), prevIndex, prev, List.of(entries), 2, prevIndex + entries.length));
    }

    private static String refusal(List<Action> actions) {
        return actions.stream()
                .filter(action -> action instanceof Send send && send.message() instanceof Refused)
                .map(action -> ((Refused) ((Send) action).message()).reason())
                .findFirst()
                .orElse("none");
    }

    private static int indexOf(List<Action> actions, Class<?> type) {
        for (int i = 0; i < actions.size(); i++) {
            if (type.isInstance(actions.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static Header header(String from, long epoch) {
        return new Header(CLUSTER, epoch, from, 0);
    }

    private At at() {
        mono += 1_000_000;
        return new At(mono, mono / 1_000_000);
    }
}
