package dev.tandem.peers;

import dev.tandem.peers.Action.SetServing;
import dev.tandem.peers.Command.Promote;
import dev.tandem.peers.Command.SwitchActive;
import dev.tandem.peers.Input.AppendRefused;
import dev.tandem.peers.Input.Appended;
import dev.tandem.peers.Input.ClientWrite;
import dev.tandem.peers.Input.LeaseRead;
import dev.tandem.peers.Input.LeaseWritten;
import dev.tandem.peers.Input.LinkChanged;
import dev.tandem.peers.Input.Operator;
import dev.tandem.peers.Input.ProbeResult;
import dev.tandem.peers.Input.Received;
import dev.tandem.peers.Input.Start;
import dev.tandem.peers.Input.StateFailed;
import dev.tandem.peers.Input.StateStaged;
import dev.tandem.peers.Input.Tick;
import dev.tandem.peers.PeerMessage.Ack;
import dev.tandem.peers.PeerMessage.DivergedReport;
import dev.tandem.peers.PeerMessage.Diverging;
import dev.tandem.peers.PeerMessage.Entries;
import dev.tandem.peers.PeerMessage.FailsafeAnswer;
import dev.tandem.peers.PeerMessage.FailsafeProbe;
import dev.tandem.peers.PeerMessage.Handover;
import dev.tandem.peers.PeerMessage.HandoverAck;
import dev.tandem.peers.PeerMessage.HandoverOffer;
import dev.tandem.peers.PeerMessage.HandoverReady;
import dev.tandem.peers.PeerMessage.HeardAnswer;
import dev.tandem.peers.PeerMessage.HeardQuery;
import dev.tandem.peers.PeerMessage.Heartbeat;
import dev.tandem.peers.PeerMessage.NeedState;
import dev.tandem.peers.PeerMessage.Refused;
import dev.tandem.peers.PeerMessage.StatePart;
import dev.tandem.peers.PeerMessage.StateRequest;
import dev.tandem.peers.PeerMessage.StatusAnswer;
import dev.tandem.peers.PeerMessage.StatusQuery;
import dev.tandem.peers.PeerMessage.Subscribe;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One node's replication, election and fencing (ADR 0014). Single-threaded: one caller at a time,
 * inputs in the order they happened. Pure: no clock, no I/O, no randomness but what inputs carry, so
 * the simulation runs several of them, the lease store and the network in one thread on a simulated
 * clock. The driver executes the returned actions in order, and a {@link Action.Persist} completes
 * durably before the next action starts (§7.3): that is why every action that depends on durable
 * state comes after its Persist in the same list.
 *
 * <p>This class takes each input to the part of the protocol it concerns and runs the timers in
 * their order. The parts share one {@link Node}: {@link Roles} (start, fencing, epochs, demotion),
 * {@link Authority} (§2.5), {@link LeaseKeeper} and {@link LeaseWrites} (§5), {@link Failsafe},
 * {@link Leader} and {@link Appender} (leading an epoch, §3.3), {@link Replicator} and
 * {@link SyncStandby} (the active's side of the stream, §3.4), {@link Follower} and
 * {@link StateTransfer} (the standby's side), {@link Switchover} (switch-active), {@link Takeover}
 * (automatic failover) and {@link Promotion} (promote).
 */
public final class PeerMachine {
    private final Node node;
    private final NodeSettings settings;
    private final Set<String> linksUp = new TreeSet<>();

    private boolean started;
    private long lastTickMono = Node.NEVER;
    private long lastTickWall;
    private String servingReason = "starting";

    public PeerMachine(NodeSettings settings, Timing timing, DurableState restored) {
        this.node = new Node(settings, timing, restored);
        this.settings = settings;
    }

    // ---------------------------------------------------------------- the interface (§7.2)

    public List<Action> handle(Input input) {
        node.out.clear();
        node.now = input.at().mono();
        node.wallNow = input.at().wallMillis();
        if (!started && !(input instanceof Start)) {
            return List.of();
        }
        node.authority.check(lastTickMono, lastTickWall);
        switch (input) {
            case Start start -> {
                started = true;
                node.roles.start(start);
            }
            case Tick tick -> tick();
            case Received received -> received(received.from(), received.message());
            case LinkChanged link -> linkChanged(link.peer(), link.up());
            case LeaseRead read -> node.lease.leaseRead(read.requestId(), read.answer());
            case LeaseWritten written -> node.leaseWrites.leaseWritten(written.requestId(), written.answer());
            case ProbeResult probe -> node.takeover.probeResult(probe);
            case ClientWrite write -> node.appender.clientWrite(write.writeId(), write.kind());
            case Appended appended -> node.appender.appended(appended.writeId(), appended.entry());
            case AppendRefused refused -> node.appender.appendRefused(refused.writeId(), refused.reason());
            case Operator operator -> operator(operator.replyId(), operator.command());
            case StateStaged staged -> node.transfer.stateStaged(staged);
            case StateFailed failed -> node.transfer.stateFailed(failed);
        }
        afterInput();
        lastTickMono = node.now;
        lastTickWall = node.wallNow;
        return List.copyOf(node.out);
    }

    /** §2.5: a node that may commit is a writer; the simulation's I1 counts them. */
    public boolean mayCommitAt(long mono) {
        return node.authority.mayCommitAt(mono);
    }

    public boolean acceptsWritesAt(long mono) {
        return node.authority.acceptsWritesAt(mono);
    }

    public NodeView view() {
        LogIndex log = node.log;
        return new NodeView(
                settings.self(),
                node.state,
                node.currentEpoch,
                node.epochActive,
                log.firstIndex(),
                log.lastIndex(),
                log.lastChecksum(),
                node.commitIndex,
                node.served,
                node.serving,
                servingReason,
                node.syncStandby,
                node.syncKnown,
                node.failsafe.mode,
                node.takeover.probeOk,
                node.takeover.probeFailure,
                node.takeover.probeRefused,
                Math.max(0, node.knownCommit - log.lastIndex()),
                node.writes.pending.size(),
                node.state.role() == Role.STANDBY ? List.of() : node.replicator.progressView(),
                agoMs(node.follower.heardWritableAt),
                node.lease.written != null ? node.lease.written : node.lease.observed,
                node.authority.authUntil == Node.NEVER
                        ? -1
                        : Math.max(0, (node.authority.authUntil - node.now) / 1_000_000));
    }

    private long agoMs(long mono) {
        return mono == Node.NEVER ? -1 : Math.max(0, (node.now - mono) / 1_000_000);
    }

    // ---------------------------------------------------------------- ticks

    private void tick() {
        if (settings.leaseStore()) {
            node.lease.timers();
        }
        node.failsafe.roundTimer();
        node.replicator.heartbeatTimer();
        if (node.state.writerState()) {
            node.sync.manage();
        }
        node.appender.writeTimeouts();
        node.switchover.timers();
        if (node.state.role() == Role.STANDBY) {
            standbyTimers();
        }
        if (node.state == State.FENCED && !settings.leaseStore() && !settings.alone()) {
            node.roles.statusTimer();
        }
        node.takeover.probeTimer();
        node.replicator.compact();
    }

    private void standbyTimers() {
        if (node.state == State.TRANSFERRING) {
            node.transfer.retryTimer();
            return;
        }
        if (node.epochActive == null || node.epochActive.equals(settings.self())) {
            node.roles.statusTimer();
        } else {
            node.follower.subscribeTimer();
        }
        node.follower.ackTimer();
        if (settings.leaseStore() && settings.automaticFailover()) {
            node.takeover.check();
        }
    }

    // ---------------------------------------------------------------- messages (§4.4, §4.5)

    private void received(String from, PeerMessage message) {
        Header header = message.header();
        if (!header.cluster().equals(settings.cluster())
                || !header.from().equals(from)
                || !settings.members().contains(from)) {
            node.event("refused", "reason", "not-a-peer", "from", from);
            return;
        }
        if (header.epoch() < node.currentEpoch) {
            if (!(message instanceof Refused)) {
                node.send(
                        from,
                        new Refused(
                                node.header(),
                                "lower-epoch",
                                "epoch " + header.epoch() + " is below " + node.currentEpoch,
                                node.epochActive,
                                node.currentEpoch));
            }
            return;
        }
        if (header.epoch() > node.currentEpoch && !(message instanceof Handover)) {
            node.roles.learnEpoch(header.epoch(), activeNamedBy(from, message), null);
        }
        switch (message) {
            case Subscribe subscribe -> node.replicator.onSubscribe(from, subscribe);
            case Entries entries -> node.follower.onEntries(from, entries);
            case Heartbeat heartbeat -> node.follower.onHeartbeat(from, heartbeat);
            case Ack ack -> node.replicator.onAck(from, ack);
            case Diverging diverging -> node.follower.onDiverging(from, diverging);
            case NeedState needState -> node.follower.onNeedState(from, needState);
            case StateRequest request -> node.replicator.onStateRequest(from);
            case StatePart part -> {
                // The driver assembles the parts and hands over StateStaged or StateFailed.
            }
            case DivergedReport report -> {
                // The driver's: the active records it in its audit log, through an ordinary write.
            }
            case Refused refused -> node.follower.onRefused(from, refused);
            case HandoverOffer offer -> node.switchover.onHandoverOffer(from, offer);
            case HandoverReady ready -> node.switchover.onHandoverReady(from, ready);
            case Handover handoverMessage -> node.switchover.onHandover(from, handoverMessage);
            case HandoverAck ack -> node.switchover.onHandoverAck(from, ack);
            case FailsafeProbe probe -> node.failsafe.onProbe(from, probe);
            case FailsafeAnswer answer -> node.failsafe.onAnswer(from, answer);
            case HeardQuery query -> node.takeover.onHeardQuery(from);
            case HeardAnswer answer -> node.takeover.onHeardAnswer(from, answer);
            case StatusQuery query -> node.roles.onStatusQuery(from);
            case StatusAnswer answer -> node.roles.onStatusAnswer(from, answer);
        }
    }

    private static String activeNamedBy(String from, PeerMessage message) {
        return switch (message) {
            case Entries entries -> from;
            case Heartbeat heartbeat -> from;
            case HandoverOffer offer -> from;
            case FailsafeProbe probe -> from;
            case Diverging diverging -> from;
            case NeedState needState -> from;
            case Refused refused -> refused.knownEpoch() == refused.header().epoch() ? refused.knownActive() : null;
            case StatusAnswer answer -> answer.epochActive();
            default -> null;
        };
    }

    private void linkChanged(String peer, boolean up) {
        if (up) {
            linksUp.add(peer);
            node.follower.linkUp(peer);
        } else {
            linksUp.remove(peer);
            node.replicator.linkDown(peer);
            node.follower.linkDown(peer);
        }
    }

    private void operator(long replyId, Command command) {
        switch (command) {
            case SwitchActive switchActive -> node.switchover.switchActive(replyId, switchActive);
            case Promote promote -> node.promotion.promote(replyId, promote);
        }
    }

    // ---------------------------------------------------------------- serving (§3.5)

    private void afterInput() {
        if (node.state.writerState() && node.writes.slot == null) {
            node.appender.flushOwn();
        }
        boolean now2 = computeServing();
        if (now2 != node.serving) {
            node.serving = now2;
            node.out.add(new SetServing(node.serving, servingReason));
        }
    }

    private boolean computeServing() {
        if (node.state.role() != Role.STANDBY) {
            servingReason = "";
            return true;
        }
        LogIndex log = node.log;
        long missing = Math.max(0, node.knownCommit - log.lastIndex());
        if (missing > node.timing.maxServeLag()) {
            servingReason = "lagging: " + missing + " committed entries missing";
            return false;
        }
        ServedId identity = node.commitIndex >= log.base().index() && node.commitIndex <= log.lastIndex()
                ? log.identityAt(node.commitIndex)
                : node.served;
        if (node.served.isNewerThan(identity)) {
            servingReason = "behind-served";
            return false;
        }
        servingReason = "";
        return true;
    }
}
