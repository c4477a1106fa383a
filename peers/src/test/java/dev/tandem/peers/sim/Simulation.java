package dev.tandem.peers.sim;

import dev.tandem.peers.Action;
import dev.tandem.peers.Command;
import dev.tandem.peers.Condition;
import dev.tandem.peers.EntryKinds;
import dev.tandem.peers.Input;
import dev.tandem.peers.Lease;
import dev.tandem.peers.LeaseAnswer;
import dev.tandem.peers.NodeSettings;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.Role;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.State;
import dev.tandem.peers.WriteAnswer;
import dev.tandem.peers.WriteOutcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One seeded schedule: the nodes, the network, the lease store and every fault on one simulated
 * clock in one thread (ADR 0014 §7.4, §7.5). The same seed gives the same run, event for event.
 */
final class Simulation {
    private static final long MS = 1_000_000L;
    private static final long SECOND = Scenario.SECOND;
    private static final long TICK = 50 * MS;
    private static final int TRACE = 400;

    private enum S3 {
        OK,
        REFUSED,
        BLACKHOLE,
        SLOW
    }

    private record Event(long at, long seq, Runnable run) {}

    private final Scenario scenario;
    private final SplittableRandom random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            (a, b) -> a.at() != b.at() ? Long.compare(a.at(), b.at()) : Long.compare(a.seq(), b.seq()));
    private final Map<String, SimNode> nodes = new TreeMap<>();
    private final Map<String, S3> s3 = new TreeMap<>();
    private final Map<Long, String> kinds = new TreeMap<>();

    private record TraceLine(long at, String node, Object what) {
        @Override
        public String toString() {
            return String.format("%10.3f %-3s %s", at / 1e6, node, what);
        }
    }

    private final ArrayDeque<TraceLine> trace = new ArrayDeque<>();
    private final boolean fullTrace;
    private final Checker checker = new Checker();
    private final SimLeaseStore store = new SimLeaseStore();
    private final SimNetwork network;
    private long now;
    private long seq;
    private long writeIds;
    private long replyIds;
    private boolean healed;
    private final Map<Long, String> forcedPromotions = new TreeMap<>();
    private final Set<String> forcedNodes = new TreeSet<>();
    private long events;
    private final Map<String, Integer> counts = new TreeMap<>();
    private final List<Action.Reply> replies = new ArrayList<>();
    private final Map<Long, WriteOutcome> outcomes = new TreeMap<>();
    private final List<String> servingChanges = new ArrayList<>();
    private boolean clientLoad = true;

    Simulation(Scenario scenario, boolean fullTrace) {
        this.scenario = scenario;
        this.random = new SplittableRandom(scenario.seed() * 0x9E3779B97F4A7C15L + 17);
        this.fullTrace = fullTrace;
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= scenario.nodes(); i++) {
            names.add("p" + i);
        }
        this.network = new SimNetwork(this, names);
        for (String name : names) {
            NodeSettings settings = new NodeSettings(
                    "sim",
                    name,
                    names,
                    scenario.replication(),
                    scenario.leaseStore(),
                    scenario.automaticFailover(),
                    scenario.allowDataLoss(),
                    scenario.failsafe());
            RoleIntent intent = name.equals("p1") ? RoleIntent.ACTIVE : RoleIntent.STANDBY;
            nodes.put(name, new SimNode(this, name, settings, intent, newClock(name)));
            s3.put(name, S3.OK);
        }
    }

    /** Runs the schedule; a broken invariant is thrown as a {@link Checker.Violation}. */
    void run() {
        begin();
        for (int i = 0; i < scenario.faults(); i++) {
            at(SECOND / 2 + random.nextLong(Scenario.FAULT_WINDOW - SECOND / 2), this::fault);
        }
        at(Scenario.FAULT_WINDOW, this::heal);
        long quiet = scenario.timing().takeoverWait(null) + 15 * SECOND;
        runUntil(Scenario.FAULT_WINDOW + quiet);
        liveness();
    }

    /** Starts the nodes and the client load; scripted tests then drive faults themselves. */
    void begin() {
        for (SimNode node : nodes.values()) {
            at(random.nextLong(50 * MS), () -> {
                node.start();
                network.nodeUp(node.name);
            });
            tickLater(node, random.nextLong(TICK));
        }
        clientWriteLater();
    }

    void runUntil(long end) {
        while (!queue.isEmpty() && queue.peek().at() <= end) {
            Event event = queue.poll();
            now = event.at();
            event.run().run();
            events++;
            afterEvent();
        }
        now = Math.max(now, end);
    }

    /** Scripted faults, for the tests that check one behaviour on a fixed timeline. */
    void crashNow(String name) {
        crash(name);
    }

    void restartNow(String name) {
        restart(name);
    }

    void pauseNow(String name, long duration) {
        pause(name, duration);
    }

    void partition(String a, String b) {
        network.block(a, b);
        network.block(b, a);
    }

    void cutFromLeaseStore(String name) {
        s3.put(name, S3.BLACKHOLE);
    }

    void operator(String name, Command command) {
        long reply = ++replyIds;
        nodes.get(name).deliver(at -> new Input.Operator(at, reply, command));
    }

    List<Action.Reply> replies() {
        return replies;
    }

    /** Every answer a client got, by write id. */
    Map<Long, WriteOutcome> outcomes() {
        return outcomes;
    }

    void answered(long writeId, WriteOutcome outcome) {
        outcomes.put(writeId, outcome);
    }

    /** "p2 serving=false lagging: …" for every change of a node's SERVING flag, in order. */
    List<String> servingChanges() {
        return servingChanges;
    }

    void servingChanged(String node, Action.SetServing serving) {
        servingChanges.add(
                node + " serving=" + serving.serving() + (serving.reason().isEmpty() ? "" : " " + serving.reason()));
    }

    /** One client write sent to one node; its answer lands in {@link #outcomes()}. */
    long writeTo(String name, String kind) {
        long id = ++writeIds;
        kinds.put(id, kind);
        nodes.get(name).deliver(at -> new Input.ClientWrite(at, id, kind));
        return id;
    }

    void stopClientLoad() {
        clientLoad = false;
    }

    NodeView view(String name) {
        SimNode node = nodes.get(name);
        return node.running() ? node.machine.view() : null;
    }

    boolean acceptsWrites(String name) {
        SimNode node = nodes.get(name);
        return node.running() && node.machine.acceptsWritesAt(node.clock.mono(now));
    }

    long events() {
        return events;
    }

    /** How often each machine event (failover, promoted, switched, diverged, fenced…) happened. */
    Map<String, Integer> counts() {
        return counts;
    }

    // ---------------------------------------------------------------- the clock and the queue

    long now() {
        return now;
    }

    void at(long t, Runnable run) {
        queue.add(new Event(t, ++seq, run));
    }

    void after(long delay, Runnable run) {
        at(now + delay, run);
    }

    Scenario scenario() {
        return scenario;
    }

    SplittableRandom random() {
        return random;
    }

    Checker checker() {
        return checker;
    }

    SimNetwork network() {
        return network;
    }

    SimNode node(String name) {
        return nodes.get(name);
    }

    long flushDelay() {
        return 100_000 + random.nextLong(5 * MS);
    }

    long messageDelay() {
        return random.nextDouble() < 0.9 ? 200_000 + random.nextLong(3 * MS) : random.nextLong(500 * MS);
    }

    long connectDelay() {
        return 20 * MS + random.nextLong(300 * MS);
    }

    long keepaliveDelay() {
        return SECOND + random.nextLong(4 * SECOND);
    }

    String kindOf(long writeId) {
        return kinds.getOrDefault(writeId, "token");
    }

    private SimClock newClock(String name) {
        double rho = scenario.timing().driftPpm() / 1_000_000.0;
        double rate = name.equals(scenario.slowClock()) ? 0.5 : 1 - rho + random.nextDouble() * 2 * rho;
        return new SimClock(now, random.nextLong(1L << 50), rate, random.nextLong(1L << 40));
    }

    // ---------------------------------------------------------------- the invariants after each event

    private void afterEvent() {
        List<String> writers = null;
        for (SimNode node : nodes.values()) {
            if (node.running() && node.machine.mayCommitAt(node.clock.mono(now))) {
                if (writers == null) {
                    writers = new ArrayList<>(2);
                }
                writers.add(node.name);
            }
        }
        if (writers != null) {
            checker.oneWriter(now, writers);
        }
    }

    /** After every fault is healed and the quiet time has passed: one writer, everyone caught up and serving, nothing lost. */
    private void liveness() {
        SimNode writer = null;
        for (SimNode node : nodes.values()) {
            if (node.running() && node.machine.acceptsWritesAt(node.clock.mono(now))) {
                writer = node;
            }
        }
        if (writer == null) {
            checker.fail("liveness", "no node accepts writes after the faults healed: " + views());
        }
        NodeView lead = writer.machine.view();
        for (SimNode node : nodes.values()) {
            NodeView view = node.machine.view();
            if (node != writer && (view.lastIndex() != lead.lastIndex() || !view.serving())) {
                checker.fail(
                        "liveness",
                        node.name + " has not caught up with " + writer.name + " or is not serving: " + views());
            }
            checker.holdsAcknowledged(node.name, Long.MAX_VALUE, node.disk.tables, "liveness");
        }
    }

    String views() {
        StringBuilder out = new StringBuilder();
        for (SimNode node : nodes.values()) {
            out.append("\n  ").append(node.running() ? node.machine.view() : node.name + " down");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- load, ticks, faults

    private void tickLater(SimNode node, long delay) {
        after(delay, () -> {
            if (node.running() && !node.paused) {
                node.deliver(Input.Tick::new);
            }
            tickLater(node, (long) (TICK / node.clock.rate()));
        });
    }

    private void clientWriteLater() {
        double rate = healed ? 5 : scenario.writesPerSecond();
        long gap = (long) (-Math.log(1 - random.nextDouble()) / rate * SECOND);
        after(Math.max(MS, gap), () -> {
            if (clientLoad && now < Scenario.FAULT_WINDOW + scenario.timing().takeoverWait(null)) {
                clientWrite();
                clientWriteLater();
            }
        });
    }

    private void clientWrite() {
        List<SimNode> running = nodes.values().stream().filter(SimNode::running).toList();
        if (running.isEmpty()) {
            return;
        }
        List<SimNode> actives = running.stream()
                .filter(node -> node.machine.view().state().role() != Role.STANDBY)
                .toList();
        SimNode target = !actives.isEmpty() && random.nextDouble() < 0.8
                ? actives.get(random.nextInt(actives.size()))
                : running.get(random.nextInt(running.size()));
        long id = ++writeIds;
        String kind = random.nextDouble() < 0.5 ? EntryKinds.REVISION : "token";
        kinds.put(id, kind);
        target.deliver(at -> new Input.ClientWrite(at, id, kind));
    }

    private void fault() {
        if (healed) {
            return;
        }
        List<String> names = List.copyOf(nodes.keySet());
        String node = names.get(random.nextInt(names.size()));
        String other = names.get(random.nextInt(names.size()));
        double pick = random.nextDouble();
        if (pick < 0.18) {
            crash(node);
            if (random.nextDouble() < 0.7) {
                after(200 * MS + random.nextLong(15 * SECOND), () -> restart(node));
            }
        } else if (pick < 0.28) {
            pause(node, SECOND + random.nextLong(3 * scenario.timing().ttl()));
        } else if (pick < 0.42) {
            if (!node.equals(other)) {
                boolean bothWays = random.nextBoolean();
                network.block(node, other);
                if (bothWays) {
                    network.block(other, node);
                }
                after(SECOND + random.nextLong(12 * SECOND), () -> {
                    network.unblock(node, other);
                    network.unblock(other, node);
                });
            }
        } else if (pick < 0.5) {
            for (String name : names) {
                if (!name.equals(node)) {
                    network.block(node, name);
                    network.block(name, node);
                }
            }
            after(SECOND + random.nextLong(12 * SECOND), () -> {
                for (String name : names) {
                    if (!name.equals(node)) {
                        network.unblock(node, name);
                        network.unblock(name, node);
                    }
                }
            });
        } else if (pick < 0.62) {
            S3 mode = S3.values()[1 + random.nextInt(3)];
            boolean all = random.nextBoolean();
            for (String name : names) {
                if (all || name.equals(node)) {
                    s3.put(name, mode);
                }
            }
            after(SECOND + random.nextLong(15 * SECOND), () -> {
                for (String name : names) {
                    s3.put(name, S3.OK);
                }
            });
        } else if (pick < 0.7) {
            SimNode target = nodes.get(node);
            if (!node.equals(scenario.slowClock())) {
                double rho = scenario.timing().driftPpm() / 1_000_000.0;
                target.clock.rate(now, 1 - rho + random.nextDouble() * 2 * rho);
            }
        } else if (pick < 0.73) {
            nodes.get(node).clock.jumpWall((random.nextBoolean() ? 1 : -1) * random.nextLong(3_600_000));
        } else if (pick < 0.86) {
            switchActive(other);
        } else {
            promote(node);
        }
    }

    private void crash(String name) {
        SimNode node = nodes.get(name);
        if (!node.running()) {
            return;
        }
        trace(name, "CRASH");
        node.crash();
        forcedPromotions.values().removeIf(name::equals);
        network.nodeDown(name);
    }

    private void restart(String name) {
        SimNode node = nodes.get(name);
        if (node.running()) {
            return;
        }
        if (keptDownByOperator(name)) {
            after(500 * MS, () -> restart(name));
            return;
        }
        trace(name, "RESTART");
        node.clock = newClock(name);
        node.start();
        network.nodeUp(name);
    }

    /**
     * The operator said the old active is down to promote by force: it stays down while that promote
     * is pending and until the promoted node has claimed the lease at its new epoch (ADR 0014, T27, T36).
     */
    private boolean keptDownByOperator(String name) {
        Lease lease = store.current();
        long leaseEpoch = lease == null ? 0 : lease.epoch();
        for (String forced : forcedNodes) {
            if (forced.equals(name)) {
                continue;
            }
            SimNode node = nodes.get(forced);
            boolean pending = node.running() && forcedPromotions.containsValue(forced);
            if (pending || node.disk.epoch > leaseEpoch) {
                return true;
            }
        }
        return false;
    }

    private void pause(String name, long duration) {
        SimNode node = nodes.get(name);
        if (!node.running() || node.paused) {
            return;
        }
        trace(name, "SIGSTOP for " + duration / MS + " ms");
        node.paused = true;
        int life = node.life;
        after(duration, () -> {
            if (node.life == life && node.paused) {
                trace(name, "SIGCONT");
                node.resume();
            }
        });
    }

    private void switchActive(String to) {
        for (SimNode node : nodes.values()) {
            if (node.running() && node.machine.view().state() == State.ACTIVE) {
                String target = random.nextBoolean() ? null : to;
                long reply = ++replyIds;
                node.deliver(at -> new Input.Operator(at, reply, new Command.SwitchActive(target, "sim-operator")));
                return;
            }
        }
    }

    /** The operator promotes a standby; "the old active is down" is said only when it is true (or when the scenario lies). */
    private void promote(String name) {
        SimNode node = nodes.get(name);
        if (!node.running() || node.machine.view().state().role() != Role.STANDBY) {
            return;
        }
        boolean othersDown =
                nodes.values().stream().filter(other -> other != node).noneMatch(SimNode::running);
        boolean oldActiveIsDown = othersDown || scenario.operatorLies();
        if (!scenario.leaseStore() && !oldActiveIsDown) {
            return;
        }
        boolean acceptLoss = random.nextBoolean();
        long reply = ++replyIds;
        if (oldActiveIsDown && scenario.leaseStore() && !scenario.operatorLies()) {
            // The operator's word holds only while the old active stays stopped: it is kept down until the
            // new active has claimed the lease at its epoch (ADR 0014, T27 and T36).
            forcedPromotions.put(reply, name);
            forcedNodes.add(name);
        }
        node.deliver(at ->
                new Input.Operator(at, reply, new Command.Promote(oldActiveIsDown, acceptLoss, false, "sim-operator")));
    }

    private void heal() {
        healed = true;
        trace("sim", "HEAL");
        network.healAll();
        for (String name : nodes.keySet()) {
            s3.put(name, S3.OK);
            SimNode node = nodes.get(name);
            if (!node.running()) {
                restart(name);
            } else if (node.paused) {
                node.resume();
            }
        }
    }

    void operatorReply(String node, Action.Reply reply) {
        replies.add(reply);
        forcedPromotions.remove(reply.replyId());
    }

    // ---------------------------------------------------------------- the lease store over the simulated S3 path

    void leaseRead(SimNode node, long requestId) {
        long timeout = scenario.timing().s3AttemptTimeout();
        Runnable failed = node.lifeBound(
                () -> node.deliver(at -> new Input.LeaseRead(at, requestId, new LeaseAnswer.Unreachable("timeout"))));
        switch (s3.get(node.name)) {
            case REFUSED ->
                after(
                        MS,
                        node.lifeBound(() -> node.deliver(at -> new Input.LeaseRead(
                                at, requestId, new LeaseAnswer.Unreachable("connection refused")))));
            case BLACKHOLE -> after(timeout, failed);
            case OK, SLOW -> {
                boolean slow = s3.get(node.name) == S3.SLOW;
                long there = slow ? 200 * MS + random.nextLong(2 * SECOND) : MS + random.nextLong(20 * MS);
                long back = MS + random.nextLong(20 * MS);
                if (there + back > timeout) {
                    after(timeout, failed);
                    return;
                }
                after(there, () -> {
                    LeaseAnswer answer = store.read();
                    after(back, node.lifeBound(() -> node.deliver(at -> new Input.LeaseRead(at, requestId, answer))));
                });
            }
        }
    }

    void leaseWrite(SimNode node, long requestId, Lease lease, Condition condition) {
        long timeout = scenario.timing().s3AttemptTimeout();
        Runnable ambiguous = node.lifeBound(
                () -> node.deliver(at -> new Input.LeaseWritten(at, requestId, new WriteAnswer.Ambiguous("timeout"))));
        switch (s3.get(node.name)) {
            case REFUSED ->
                after(
                        MS,
                        node.lifeBound(() -> node.deliver(at -> new Input.LeaseWritten(
                                at, requestId, new WriteAnswer.Unreachable("connection refused")))));
            case BLACKHOLE -> after(timeout, ambiguous);
            case OK, SLOW -> {
                boolean slow = s3.get(node.name) == S3.SLOW;
                long there = slow ? 200 * MS + random.nextLong(2 * SECOND) : MS + random.nextLong(20 * MS);
                long back = MS + random.nextLong(20 * MS);
                boolean answerLost = random.nextDouble() < 0.02;
                // The request lands whatever happens to the writer afterwards: a crash does not recall it.
                after(there, () -> {
                    WriteAnswer answer = store.write(lease, condition, checker);
                    trace(
                            "s3",
                            "write by " + node.name + " " + lease.holder() + "@" + lease.epoch() + " r"
                                    + lease.renewal() + " -> " + answer);
                    if (there + back <= timeout && !answerLost) {
                        after(
                                back,
                                node.lifeBound(
                                        () -> node.deliver(at -> new Input.LeaseWritten(at, requestId, answer))));
                    }
                });
                if (there + back > timeout || answerLost) {
                    after(timeout, ambiguous);
                }
            }
        }
    }

    // ---------------------------------------------------------------- the trace

    void trace(String node, Object what) {
        if (what instanceof Action.Event event) {
            counts.merge(event.name(), 1, Integer::sum);
        }
        if (!fullTrace && what instanceof Input.Tick) {
            return;
        }
        TraceLine line = new TraceLine(now, node, what);
        if (fullTrace) {
            System.out.println(line);
            return;
        }
        if (trace.size() == TRACE) {
            trace.removeFirst();
        }
        trace.addLast(line);
    }

    String recentTrace() {
        StringBuilder out = new StringBuilder();
        for (TraceLine line : trace) {
            out.append(line).append('\n');
        }
        return out.toString();
    }
}
