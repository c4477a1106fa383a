package dev.tandem.peers.sim;

import dev.tandem.peers.Action;
import dev.tandem.peers.Action.AnswerWrite;
import dev.tandem.peers.Action.GrantSlot;
import dev.tandem.peers.Action.Persist;
import dev.tandem.peers.Action.Publish;
import dev.tandem.peers.Action.ReadLease;
import dev.tandem.peers.Action.Reply;
import dev.tandem.peers.Action.Send;
import dev.tandem.peers.Action.SendEntries;
import dev.tandem.peers.Action.SendState;
import dev.tandem.peers.Action.WriteLease;
import dev.tandem.peers.At;
import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.DurableChange.Commit;
import dev.tandem.peers.DurableChange.InstallState;
import dev.tandem.peers.DurableChange.SetEpoch;
import dev.tandem.peers.EntryMeta;
import dev.tandem.peers.Input;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.NodeSettings;
import dev.tandem.peers.PeerMachine;
import dev.tandem.peers.PeerMessage.Entries;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.ServedId;
import dev.tandem.peers.WriteOutcome.Committed;
import dev.tandem.peers.WriteOutcome.Misdirected;
import dev.tandem.peers.WriteOutcome.Unavailable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The driver of one simulated node: it feeds its machine inputs one at a time on the node's own
 * clocks, and executes the actions in order, waiting for each Persist's flush before the next (ADR
 * 0014 §7.3). A crash drops what is staged, queued and in flight; a restart builds a new machine
 * from the durable image alone.
 */
final class SimNode {
    final String name;
    final NodeSettings settings;
    final SimDisk disk;
    SimClock clock;
    PeerMachine machine;
    boolean paused;
    boolean exporting;
    /** Bumped at every crash: events of an earlier life are ignored. */
    int life;

    private final Simulation sim;
    private final ArrayDeque<Function<At, Input>> inbox = new ArrayDeque<>();
    private final ArrayDeque<Action> actions = new ArrayDeque<>();
    private boolean busy;
    private long checkedCommit;
    private int starts;

    SimNode(Simulation sim, String name, NodeSettings settings, RoleIntent intent, SimClock clock) {
        this.sim = sim;
        this.name = name;
        this.settings = settings;
        this.clock = clock;
        this.disk = new SimDisk(
                settings.cluster(),
                intent,
                sim.scenario().dropEpochPersists() ? change -> change instanceof SetEpoch : change -> false);
    }

    boolean running() {
        return machine != null;
    }

    void start() {
        machine = new PeerMachine(settings, sim.scenario().timing(), disk.durableState());
        checkedCommit = disk.commitIndex;
        exporting = false;
        String boot = name + "-" + (++starts);
        deliver(at -> new Input.Start(at, boot));
    }

    void crash() {
        machine = null;
        life++;
        paused = false;
        busy = false;
        inbox.clear();
        actions.clear();
        disk.crash();
        exporting = false;
    }

    /** An input that will be made with the node's clocks at the moment it is handled. */
    void deliver(Function<At, Input> input) {
        if (machine == null) {
            return;
        }
        inbox.addLast(input);
        run();
    }

    void resume() {
        paused = false;
        run();
    }

    At now() {
        long t = sim.now();
        return new At(clock.mono(t), clock.wallMillis(t));
    }

    private void run() {
        while (machine != null && !paused && !busy) {
            if (!actions.isEmpty()) {
                execute(actions.removeFirst());
                continue;
            }
            Function<At, Input> next = inbox.pollFirst();
            if (next == null) {
                return;
            }
            Input input = next.apply(now());
            sim.trace(name, input);
            actions.addAll(machine.handle(input));
        }
    }

    private void execute(Action action) {
        sim.trace(name, action);
        switch (action) {
            case Persist persist -> {
                checkBeforePersist(persist);
                long staged = disk.stage(persist.change());
                busy = true;
                int lifeNow = life;
                sim.after(sim.flushDelay(), () -> {
                    if (life == lifeNow) {
                        disk.flush(staged, sim.checker(), name);
                        busy = false;
                        run();
                    }
                });
            }
            case Send send -> sim.network().send(name, send.to(), send.message());
            case SendEntries entries -> sim.network().send(name, entries.to(), entriesMessage(entries));
            case SendState state ->
                sim.network().sendState(name, state.to(), state.header(), state.summary(), disk.snapshot());
            case GrantSlot slot -> {
                sim.checker().granted(name, slot.writeId());
                build(slot);
            }
            case AnswerWrite answer -> answered(answer);
            case ReadLease read -> sim.leaseRead(this, read.requestId());
            case WriteLease write -> sim.leaseWrite(this, write.requestId(), write.lease(), write.condition());
            case Action.RunProbe probe ->
                sim.after(5_000_000L, lifeBound(() -> deliver(at -> new Input.ProbeResult(at, true, true, "ok"))));
            case Publish publish -> published(publish.id());
            case Action.SetServing serving -> sim.servingChanged(name, serving);
            case Action.StartExporter start -> exporting = true;
            case Action.StopExporter stop -> exporting = false;
            case Reply reply -> sim.operatorReply(name, reply);
            default -> {}
        }
    }

    Runnable lifeBound(Runnable runnable) {
        int lifeNow = life;
        return () -> {
            if (life == lifeNow && machine != null) {
                runnable.run();
            }
        };
    }

    private void checkBeforePersist(Persist persist) {
        if (persist.change() instanceof Append append) {
            for (LogEntry entry : append.entries()) {
                sim.checker().stored(name, entry);
            }
        }
        if (persist.change() instanceof Commit commit) {
            committedOver(commit.commitIndex(), disk.tables);
        }
        if (persist.change() instanceof InstallState install) {
            SimDisk.Transfer transfer = sim.network().staged(name, install.transferId());
            if (transfer != null) {
                disk.stageTransfer(install.transferId(), transfer);
                committedOver(install.commitIndex(), transfer.tables());
            }
        }
    }

    private void committedOver(long commitIndex, Map<Long, EntryMeta> tables) {
        if (commitIndex <= checkedCommit) {
            return;
        }
        List<EntryMeta> entries = new ArrayList<>();
        for (long i = checkedCommit + 1; i <= commitIndex; i++) {
            EntryMeta entry = tables.get(i);
            if (entry == null) {
                sim.checker().fail("I4", name + " commits index " + i + " that it does not hold");
            }
            entries.add(entry);
        }
        checkedCommit = commitIndex;
        sim.checker().committed(name, machine.view().epoch(), entries);
    }

    private Entries entriesMessage(SendEntries send) {
        List<LogEntry> entries = new ArrayList<>();
        for (long i = send.fromIndex(); i <= send.toIndex(); i++) {
            if (!disk.holds(i)) {
                sim.checker().fail("I8", name + " was asked to send entry " + i + " that it does not hold durably");
            }
            entries.add(disk.entry(i));
        }
        return new Entries(
                send.header(),
                send.prevIndex(),
                send.prevChecksum(),
                entries,
                send.commitIndex(),
                send.activeLastIndex());
    }

    /** The application's builder: it stores the entry with its effect, then reports it, as a request thread would. */
    private void build(GrantSlot slot) {
        boolean refuse = sim.random().nextDouble() < 0.03;
        String kind = sim.kindOf(slot.writeId());
        byte[] payload = new byte[12];
        sim.random().nextBytes(payload);
        sim.after(sim.flushDelay(), lifeBound(() -> {
            if (refuse) {
                deliver(at -> new Input.AppendRefused(at, slot.writeId(), "refused by the application"));
                return;
            }
            LogEntry entry =
                    LogEntry.create(slot.prevChecksum(), slot.epoch(), slot.index(), kind, slot.revision(), payload);
            sim.checker().stored(name, entry);
            long staged = disk.stage(new Append(List.of(entry)));
            sim.after(sim.flushDelay(), lifeBound(() -> {
                disk.flush(staged, sim.checker(), name);
                deliver(at -> new Input.Appended(at, slot.writeId(), entry));
            }));
        }));
    }

    private void answered(AnswerWrite answer) {
        sim.answered(answer.writeId(), answer.outcome());
        switch (answer.outcome()) {
            case Committed committed -> {
                EntryMeta mine = disk.tables.get(committed.index());
                if (mine == null || mine.epoch() != committed.epoch()) {
                    sim.checker()
                            .fail(
                                    "I2",
                                    name + " acknowledged index " + committed.index()
                                            + " that it does not hold durably");
                }
                for (String holder : committed.heldBy()) {
                    EntryMeta theirs = sim.node(holder).disk.tables.get(committed.index());
                    if (!Checker.same(mine, theirs) && !sim.checker().lossAcceptedAfter(committed.epoch())) {
                        sim.checker()
                                .fail(
                                        "I2",
                                        name + " acknowledged index " + committed.index() + " as held by " + holder
                                                + ", which does not hold it durably");
                    }
                }
                sim.checker()
                        .acknowledged(new Checker.Acked(
                                committed.epoch(),
                                committed.index(),
                                mine.checksum().hex(),
                                name,
                                sim.now()));
            }
            case Misdirected misdirected -> sim.checker().answeredWithoutWrite(answer.writeId());
            case Unavailable unavailable -> {
                if (unavailable.pendingIndex() == 0) {
                    sim.checker().answeredWithoutWrite(answer.writeId());
                }
            }
            default -> {}
        }
    }

    private void published(ServedId id) {
        EntryMeta at = disk.tables.get(id.index());
        sim.checker().publishedId(name, id, at, machine.view().commitIndex());
        if (exporting) {
            byte[] content = disk.revisions.get(id.revision());
            sim.checker()
                    .exported(name, id, content == null ? "?" : HexFormat.of().formatHex(content));
        }
    }
}
