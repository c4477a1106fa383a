package dev.tandem.appliance.peers;

import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.LoggedWrites;
import dev.tandem.appliance.store.PeerLog;
import dev.tandem.appliance.store.RowCapture;
import dev.tandem.appliance.store.RowChanges;
import dev.tandem.peers.Action;
import dev.tandem.peers.Action.AnswerWrite;
import dev.tandem.peers.Action.Event;
import dev.tandem.peers.Action.GrantSlot;
import dev.tandem.peers.Action.Persist;
import dev.tandem.peers.Action.Reply;
import dev.tandem.peers.Action.RoleChanged;
import dev.tandem.peers.Action.Send;
import dev.tandem.peers.Action.SendEntries;
import dev.tandem.peers.At;
import dev.tandem.peers.Command;
import dev.tandem.peers.Input;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.NodeSettings;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.OperatorAnswer;
import dev.tandem.peers.PeerMachine;
import dev.tandem.peers.PeerMessage;
import dev.tandem.peers.Replication;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.State;
import dev.tandem.peers.Timing;
import dev.tandem.peers.WriteOutcome;
import dev.tandem.peers.WriteOutcome.Committed;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives this node's {@link PeerMachine} (ADR 0014 §7.6): one thread feeds it ticks every 50 ms
 * and every other input in order, and executes its actions in order, each Persist durable (H2,
 * fsynced) before the next. Every write of the appliance goes through {@link #write}: the machine
 * grants it a slot in the log, the write runs in one transaction with its audit entry and its log
 * entry (the row changes it made, captured by the tables' triggers), and it returns once the machine
 * has committed it. A write this node does not take (it is not the writer) throws {@link NotWritten}.
 *
 * <p>Its messages go through a {@link PeerTransport}. On a node without peers the machine is a
 * standalone writer at once; the gRPC peer link, the lease and state transfers are not wired yet
 * (issue 16).
 */
public final class PeerNode implements LoggedWrites, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerNode.class);
    private static final Duration TICK = Duration.ofMillis(50);

    /** A write this node did not store: it is not the writer now (421), or cannot acknowledge it (503). */
    public static final class NotWritten extends RuntimeException {
        private final transient WriteOutcome outcome;

        NotWritten(WriteOutcome outcome) {
            super(describe(outcome));
            this.outcome = outcome;
        }

        public WriteOutcome outcome() {
            return outcome;
        }

        private static String describe(WriteOutcome outcome) {
            return switch (outcome) {
                case WriteOutcome.Misdirected misdirected ->
                    "this node is a standby; writes go to the active " + misdirected.active() + " (epoch "
                            + misdirected.epoch() + ")";
                case WriteOutcome.Unavailable unavailable -> unavailable.reason() + ": " + unavailable.detail();
                case WriteOutcome.Refused refused -> "refused: " + refused.reason();
                case Committed committed -> "committed at " + committed.index();
            };
        }
    }

    /**
     * One write waiting for its slot, then for its outcome, handed over by the machine thread (which
     * never blocks on a writer). A writer that gives up gives back a slot it was granted.
     */
    private static final class Waiting {
        final LinkedBlockingQueue<Object> handoff = new LinkedBlockingQueue<>();
        boolean abandoned;
    }

    private final PeerMachine machine;
    private final PeerTransport transport;
    private final Map<Long, CompletableFuture<OperatorAnswer>> replies = new ConcurrentHashMap<>();
    private final AtomicLong replyIds = new AtomicLong();
    private final Database database;
    private final PeerLog log;
    private final Timing timing;
    private final ExecutorService thread;
    private final ScheduledExecutorService ticks;
    private final Map<Long, Waiting> writes = new ConcurrentHashMap<>();
    private final AtomicLong writeIds = new AtomicLong();
    private final CountDownLatch writer = new CountDownLatch(1);
    private volatile NodeView view;
    private volatile String failure;

    private PeerNode(PeerMachine machine, Database database, PeerLog log, Timing timing, PeerTransport transport) {
        this.transport = transport;
        this.machine = machine;
        this.database = database;
        this.log = log;
        this.timing = timing;
        this.view = machine.view();
        this.thread = Executors.newSingleThreadExecutor(r -> daemon(r, "tandem-peers"));
        this.ticks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tandem-peers-tick"));
    }

    /**
     * Restores the machine from the log and starts it; returns once this node accepts writes (a
     * standalone node does at once: its epoch starts with one entry).
     */
    public static PeerNode start(Database database, PeerLog log, NodeSettings settings, Timing timing)
            throws SQLException, InterruptedException {
        return start(
                database,
                log,
                settings,
                timing,
                settings.alone() ? RoleIntent.STANDALONE : RoleIntent.ACTIVE,
                PeerTransport.NONE);
    }

    /**
     * @param firstIntent what a node that has never run tries: the first peer of a cluster is
     *     {@code ACTIVE}, a joined one {@code STANDBY}; afterwards the durable state decides
     */
    public static PeerNode start(
            Database database,
            PeerLog log,
            NodeSettings settings,
            Timing timing,
            RoleIntent firstIntent,
            PeerTransport transport)
            throws SQLException, InterruptedException {
        PeerMachine machine = new PeerMachine(settings, timing, log.restore(settings.cluster(), firstIntent));
        PeerNode node = new PeerNode(machine, database, log, timing, transport);
        String boot = UUID.randomUUID().toString();
        node.submit(at -> new Input.Start(at, boot));
        transport.open(new PeerTransport.Receiver() {
            @Override
            public void received(String from, PeerMessage message) {
                node.submit(at -> new Input.Received(at, from, message));
            }

            @Override
            public void linkChanged(String peer, boolean up) {
                node.submit(at -> new Input.LinkChanged(at, peer, up));
            }
        });
        node.ticks.scheduleAtFixedRate(
                () -> node.submit(Input.Tick::new), TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        if (firstIntent != RoleIntent.STANDBY && !node.writer.await(timing.writeWait(), TimeUnit.NANOSECONDS)) {
            LOG.warn("this node does not accept writes yet: {}", node.view);
        }
        return node;
    }

    /** An operator's command (switch-active, promote); completes with the machine's answer. */
    public CompletableFuture<OperatorAnswer> operator(Command command) {
        long id = replyIds.incrementAndGet();
        CompletableFuture<OperatorAnswer> answer = new CompletableFuture<>();
        replies.put(id, answer);
        submit(at -> new Input.Operator(at, id, command));
        return answer;
    }

    /** A node without peers on {@code database}: the writer of its own log at once. */
    public static PeerNode alone(Database database, Clock clock, String cluster, String self)
            throws SQLException, InterruptedException {
        NodeSettings settings =
                new NodeSettings(cluster, self, List.of(self), Replication.SYNC, false, false, false, true);
        return start(database, new PeerLog(database, clock), settings, Timing.defaults());
    }

    /** What the machine last showed: role, epoch, log position, serving. */
    public NodeView view() {
        return view;
    }

    /**
     * Runs one write through the log: waits for its slot, runs {@code work} and records {@code event}
     * and the log entry in one transaction (fsynced), then waits until the machine commits it.
     *
     * @throws NotWritten when this node does not take the write; nothing was stored
     * @throws E the work's own refusal; nothing was stored
     */
    @Override
    public <T, E extends Exception> T write(String kind, SlotWork<T, E> work, Function<T, AuditLog.Event> event)
            throws SQLException, E {
        long id = writeIds.incrementAndGet();
        Waiting waiting = new Waiting();
        writes.put(id, waiting);
        submit(at -> new Input.ClientWrite(at, id, kind));
        Object first = await(waiting, id);
        if (first instanceof WriteOutcome outcome) {
            throw new NotWritten(outcome);
        }
        GrantSlot slot = (GrantSlot) first;
        LogEntry[] stored = new LogEntry[1];
        T result;
        try {
            result = database.write(c -> {
                RowCapture.begin();
                try {
                    T done = work.run(c, new Slot(slot.epoch(), slot.index(), slot.revision()));
                    if (event != null) {
                        AuditLog.record(c, event.apply(done));
                    }
                    LogEntry entry = LogEntry.create(
                            slot.prevChecksum(),
                            slot.epoch(),
                            slot.index(),
                            kind,
                            slot.revision(),
                            RowChanges.encode(RowCapture.end()));
                    log.store(c, entry);
                    stored[0] = entry;
                    return done;
                } finally {
                    RowCapture.end();
                }
            });
        } catch (Exception | Error e) {
            // The slot goes back whatever failed: the work's refusal, the database, or a bug.
            refuse(id, e.getMessage());
            throw e;
        }
        submit(at -> new Input.Appended(at, id, stored[0]));
        Object outcome = await(waiting, id);
        if (outcome instanceof Committed) {
            return result;
        }
        throw new NotWritten((WriteOutcome) outcome);
    }

    private void refuse(long id, String reason) {
        submit(at -> new Input.AppendRefused(at, id, reason == null ? "the write failed" : reason));
    }

    private Object await(Waiting waiting, long id) {
        try {
            Object next = waiting.handoff.poll(
                    timing.writeWait() + Duration.ofSeconds(5).toNanos(), TimeUnit.NANOSECONDS);
            if (next != null) {
                return next;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (waiting) {
            waiting.abandoned = true;
            writes.remove(id);
            for (Object late : waiting.handoff) {
                if (late instanceof GrantSlot) {
                    refuse(id, "the writer gave up waiting");
                }
            }
        }
        return new WriteOutcome.Unavailable("no-answer", "the write was not answered in time", 5, 0);
    }

    private void submit(Function<At, Input> input) {
        if (thread.isShutdown()) {
            return;
        }
        try {
            thread.execute(() -> handle(input.apply(new At(System.nanoTime(), System.currentTimeMillis()))));
        } catch (RejectedExecutionException e) {
            // Closing: inputs after the close are dropped.
        }
    }

    /** On the machine thread: one input, then its actions in order. */
    private void handle(Input input) {
        if (failure != null) {
            return;
        }
        List<Action> actions = machine.handle(input);
        for (Action action : actions) {
            try {
                execute(action);
            } catch (SQLException e) {
                failure = "the peer log could not be written: " + e.getMessage();
                LOG.error("{}; this node stops writing", failure, e);
                return;
            }
        }
        view = machine.view();
        if (view.state() == State.STANDALONE || view.state() == State.ACTIVE) {
            writer.countDown();
        }
    }

    private void execute(Action action) throws SQLException {
        switch (action) {
            case Persist persist -> log.persist(persist.change());
            case GrantSlot slot -> handOver(slot.writeId(), slot, true);
            case AnswerWrite answer -> handOver(answer.writeId(), answer.outcome(), false);
            case RoleChanged role -> {
                if (role.reason().equals("start")) {
                    // Every start passes through a state that may not write yet; its role says nothing then.
                    LOG.info(
                            "peers: starting at epoch {}, as {}",
                            role.epoch(),
                            role.state() == State.FOLLOWING ? "a standby" : "the writer once it may write");
                } else {
                    LOG.info(
                            "role {} ({}), epoch {}: {}{}",
                            role.role().label(),
                            role.state().name().toLowerCase(Locale.ROOT),
                            role.epoch(),
                            role.reason(),
                            role.requestedBy().isEmpty() ? "" : " (asked by " + role.requestedBy() + ")");
                }
            }
            case Event event -> LOG.info("peers: {} {}", event.name(), event.fields());
            case Send send -> transport.send(send.to(), send.message());
            case SendEntries entries ->
                transport.send(
                        entries.to(),
                        new PeerMessage.Entries(
                                entries.header(),
                                entries.prevIndex(),
                                entries.prevChecksum(),
                                log.entries(entries.fromIndex(), entries.toIndex()),
                                entries.commitIndex(),
                                entries.activeLastIndex()));
            case Reply reply -> {
                CompletableFuture<OperatorAnswer> answer = replies.remove(reply.replyId());
                if (answer != null) {
                    answer.complete(reply.answer());
                }
            }
            default -> LOG.debug("peers: {}", action);
        }
    }

    /** Hands a slot or an outcome to the waiting writer; a slot nobody waits for any more is given back. */
    private void handOver(long writeId, Object what, boolean slot) {
        Waiting waiting = slot ? writes.get(writeId) : writes.remove(writeId);
        if (waiting == null) {
            if (slot) {
                refuse(writeId, "the writer gave up waiting");
            }
            return;
        }
        synchronized (waiting) {
            if (waiting.abandoned) {
                if (slot) {
                    refuse(writeId, "the writer gave up waiting");
                }
            } else {
                waiting.handoff.add(what);
            }
        }
    }

    @Override
    public void close() {
        transport.close();
        ticks.shutdownNow();
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread t = new Thread(runnable, name);
        t.setDaemon(true);
        return t;
    }
}
