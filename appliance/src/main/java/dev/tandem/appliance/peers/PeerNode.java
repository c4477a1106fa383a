package dev.tandem.appliance.peers;

import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.DivergedEntry;
import dev.tandem.appliance.store.LoggedWrites;
import dev.tandem.appliance.store.PeerLog;
import dev.tandem.appliance.store.RowCapture;
import dev.tandem.appliance.store.RowChange;
import dev.tandem.appliance.store.RowChanges;
import dev.tandem.appliance.store.StateImage;
import dev.tandem.peers.Action;
import dev.tandem.peers.Action.AnswerWrite;
import dev.tandem.peers.Action.Event;
import dev.tandem.peers.Action.GrantSlot;
import dev.tandem.peers.Action.Persist;
import dev.tandem.peers.Action.Publish;
import dev.tandem.peers.Action.ReadLease;
import dev.tandem.peers.Action.Reply;
import dev.tandem.peers.Action.RoleChanged;
import dev.tandem.peers.Action.RunProbe;
import dev.tandem.peers.Action.Send;
import dev.tandem.peers.Action.SendEntries;
import dev.tandem.peers.Action.SendState;
import dev.tandem.peers.Action.SetServing;
import dev.tandem.peers.Action.StartExporter;
import dev.tandem.peers.Action.StopExporter;
import dev.tandem.peers.Action.WriteLease;
import dev.tandem.peers.At;
import dev.tandem.peers.Command;
import dev.tandem.peers.EntryMeta;
import dev.tandem.peers.Header;
import dev.tandem.peers.Input;
import dev.tandem.peers.LeaseAnswer;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.NodeSettings;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.OperatorAnswer;
import dev.tandem.peers.PeerMachine;
import dev.tandem.peers.PeerMessage;
import dev.tandem.peers.PeerMessage.DivergedNote;
import dev.tandem.peers.PeerMessage.DivergedReport;
import dev.tandem.peers.PeerMessage.StatePart;
import dev.tandem.peers.Replication;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.ServedId;
import dev.tandem.peers.State;
import dev.tandem.peers.Timing;
import dev.tandem.peers.WriteAnswer;
import dev.tandem.peers.WriteOutcome;
import dev.tandem.peers.WriteOutcome.Committed;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
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
    /** How often a standby tells the active what it moved aside and the audit log does not show yet. */
    private static final Duration DIVERGED_REPORT = Duration.ofSeconds(2);

    /** A write this node did not store: it is not the writer now (421), or cannot acknowledge it (503). */
    public static final class NotWritten extends RuntimeException {
        private final transient WriteOutcome outcome;

        public NotWritten(WriteOutcome outcome) {
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
     * What the machine asks of the rest of the node, in the order it asks (ADR 0014 §3.5, §3.9):
     * serve a committed revision, run or stop the exporter, say whether this node is SERVING. Each is
     * called on the machine thread and must return quickly (hand heavy work to a thread of its own).
     */
    public interface Duties {
        /** Serve revision {@code id.revision()}: committed, and newer than anything served before. */
        void publish(ServedId id);

        /** Run the exporter, stamping bundles with {@code epoch} (this node writes now). */
        void startExporter(long epoch);

        void stopExporter();

        void serving(boolean serving, String reason);
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
    private final Optional<S3Lease> lease;
    private final ExecutorService leaseCalls;
    private final Map<String, AtomicLong> events = new ConcurrentHashMap<>();
    private final StateAssembler assembler;
    private final AtomicLong transferIds = new AtomicLong();
    /** What was asked before the duties were attached (the node starts before what serves). */
    private final List<Action> forDuties = new ArrayList<>();

    /** Diverged reports are sent and handled here: they may wait on a database or on a write. */
    private final ExecutorService reports;

    private final String cluster;
    private volatile NodeView view;
    private volatile String failure;
    private volatile BiConsumer<String, DivergedReport> onDivergedReport = (from, report) -> {};
    private volatile Recorded divergedRecorded = note -> true;
    private Duties duties;

    private PeerNode(
            PeerMachine machine,
            Database database,
            PeerLog log,
            Timing timing,
            PeerTransport transport,
            Optional<S3Lease> lease,
            String schemaVersion,
            String cluster) {
        this.assembler = new StateAssembler(schemaVersion);
        this.cluster = cluster;
        this.reports = Executors.newSingleThreadExecutor(r -> daemon(r, "tandem-diverged-reports"));
        this.transport = transport;
        this.lease = lease;
        this.leaseCalls = Executors.newSingleThreadExecutor(r -> daemon(r, "tandem-lease"));
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
                PeerTransport.NONE,
                Optional.empty());
    }

    /**
     * @param firstIntent what a node that has never run tries: the first peer of a cluster is
     *     {@code ACTIVE}, a joined one {@code STANDBY}; afterwards the durable state decides
     * @param lease the lease store, when {@code settings.leaseStore()}
     */
    public static PeerNode start(
            Database database,
            PeerLog log,
            NodeSettings settings,
            Timing timing,
            RoleIntent firstIntent,
            PeerTransport transport,
            Optional<S3Lease> lease)
            throws SQLException, InterruptedException {
        if (settings.leaseStore() != lease.isPresent()) {
            throw new IllegalArgumentException("the settings say leaseStore=" + settings.leaseStore()
                    + " and the lease store is " + (lease.isPresent() ? "given" : "absent"));
        }
        PeerMachine machine = new PeerMachine(settings, timing, log.restore(settings.cluster(), firstIntent));
        PeerNode node =
                new PeerNode(machine, database, log, timing, transport, lease, log.schemaVersion(), settings.cluster());
        String boot = UUID.randomUUID().toString();
        node.submit(at -> new Input.Start(at, boot));
        transport.open(new PeerTransport.Receiver() {
            @Override
            public void received(String from, PeerMessage message) {
                if (message instanceof StatePart part) {
                    node.receivePart(from, part);
                } else if (message instanceof DivergedReport report) {
                    node.reports.execute(() -> node.onDivergedReport.accept(from, report));
                } else {
                    node.submit(at -> new Input.Received(at, from, message));
                }
            }

            @Override
            public void linkChanged(String peer, boolean up) {
                node.submit(at -> new Input.LinkChanged(at, peer, up));
            }
        });
        node.ticks.scheduleAtFixedRate(
                () -> node.submit(Input.Tick::new), TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        node.ticks.scheduleWithFixedDelay(
                () -> node.reports.execute(node::reportDiverged),
                DIVERGED_REPORT.toMillis(),
                DIVERGED_REPORT.toMillis(),
                TimeUnit.MILLISECONDS);
        if (firstIntent != RoleIntent.STANDBY && !node.writer.await(timing.writeWait(), TimeUnit.NANOSECONDS)) {
            LOG.warn("this node does not accept writes yet: {}", node.view);
        }
        return node;
    }

    /** Whether the replicated audit log records a diverged entry already (it may read the database). */
    public interface Recorded {
        boolean test(DivergedNote note) throws SQLException;
    }

    /**
     * How this node takes part in {@link DivergedReports}: {@code onReport} handles a standby's report
     * (on the active it writes the audit entries), {@code recorded} says what needs no report.
     */
    public void divergedReports(BiConsumer<String, DivergedReport> onReport, Recorded recorded) {
        this.onDivergedReport = onReport;
        this.divergedRecorded = recorded;
    }

    /** On a following standby: tells the active what it moved aside that the audit log does not show yet. */
    private void reportDiverged() {
        NodeView now = view;
        if (now.state() != State.FOLLOWING || now.epochActive() == null) {
            return;
        }
        try {
            List<DivergedNote> notes = new ArrayList<>();
            for (DivergedEntry entry : log.diverged()) {
                DivergedNote note = DivergedReports.note(entry);
                if (!divergedRecorded.test(note)) {
                    notes.add(note);
                }
            }
            if (!notes.isEmpty()) {
                transport.send(
                        now.epochActive(),
                        new DivergedReport(
                                new Header(cluster, now.epoch(), now.name(), System.currentTimeMillis()), notes));
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("peers: cannot report what this node moved aside (tried again): {}", e.toString());
        }
    }

    /** See {@link PeerLog#diverged}. */
    public List<DivergedEntry> diverged() throws SQLException {
        return log.diverged();
    }

    /** See {@link PeerLog#divergedChanges}. */
    public Optional<List<RowChange>> divergedChanges(long epoch, long index) throws SQLException {
        return log.divergedChanges(epoch, index);
    }

    /** See {@link PeerLog#clearDiverged}. */
    public boolean clearDiverged(long epoch, long index) throws SQLException {
        return log.clearDiverged(epoch, index);
    }

    /** See {@link PeerLog#onReplicated}: the tables that replication changed under this node. */
    public void onReplicated(Consumer<Set<String>> listener) {
        log.onReplicated(listener);
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

    /**
     * Attaches what serves and exports; what the machine asked before is handed over at once, in
     * order (a start asks for the served revision before the revision writer exists).
     */
    public void attach(Duties attached) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        thread.execute(() -> {
            duties = attached;
            for (Action action : forDuties) {
                perform(action);
            }
            forDuties.clear();
            done.countDown();
        });
        done.await();
    }

    /**
     * How often the machine reported {@code event} since start ({@code failover}, {@code promoted},
     * {@code promoted-forced}, {@code switched}, {@code switch-aborted}, {@code fenced}, ...): the
     * metrics count failovers and switches from them.
     */
    public long events(String event) {
        AtomicLong count = events.get(event);
        return count == null ? 0 : count.get();
    }

    /** Whether this node takes writes now (the active, or a standalone node). */
    public boolean writer() {
        State state = view.state();
        return state == State.ACTIVE || state == State.STANDALONE;
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
            thread.execute(() -> handle(input.apply(now())));
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
            case Event event -> {
                LOG.info("peers: {} {}", event.name(), event.fields());
                String counted =
                        event.name().equals("promoted") && event.fields().containsKey("forced")
                                ? "promoted-forced"
                                : event.name();
                events.computeIfAbsent(counted, name -> new AtomicLong()).incrementAndGet();
            }
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
            case Publish publish -> perform(publish);
            case StartExporter start -> perform(start);
            case StopExporter stop -> perform(stop);
            case SetServing serving -> perform(serving);
            case ReadLease read ->
                leaseCall(() -> {
                    LeaseAnswer answer = lease().read();
                    return at -> new Input.LeaseRead(at, read.requestId(), answer);
                });
            case WriteLease write ->
                leaseCall(() -> {
                    WriteAnswer answer = lease().write(write.lease(), write.condition());
                    return at -> new Input.LeaseWritten(at, write.requestId(), answer);
                });
            case RunProbe probe ->
                leaseCall(() -> {
                    LeaseProbe.Outcome outcome = LeaseProbe.run(lease(), view.name());
                    if (outcome.ok()) {
                        LOG.info("peers: {}", outcome.detail());
                    } else {
                        LOG.warn("peers: {}", outcome.detail());
                    }
                    return at -> new Input.ProbeResult(at, outcome.ok(), outcome.reachable(), outcome.detail());
                });
            case SendState state -> sendState(state);
            case Reply reply -> {
                CompletableFuture<OperatorAnswer> answer = replies.remove(reply.replyId());
                if (answer != null) {
                    answer.complete(reply.answer());
                }
            }
            default -> LOG.debug("peers: {}", action);
        }
    }

    /**
     * On the machine thread, which appends nothing meanwhile: the state as of this node's last index,
     * in parts (ADR 0014 §3.7). A state that cannot be read is logged; the standby asks again.
     */
    private void sendState(SendState state) {
        try {
            StateImage image = log.image(state.summary().base(), state.summary().snapshotIndex());
            byte[] bytes = PeerWire.encodeState(image);
            byte[][] parts = StateAssembler.split(bytes);
            if (parts.length > StateAssembler.MAX_PARTS) {
                LOG.error(
                        "peers: the state for {} is {} bytes, more than a transfer carries ({} parts of {} bytes)",
                        state.to(),
                        bytes.length,
                        StateAssembler.MAX_PARTS,
                        StateAssembler.PART_BYTES);
                return;
            }
            byte[] digest = StateAssembler.digest(bytes);
            long id = transferIds.incrementAndGet();
            for (int seq = 0; seq < parts.length; seq++) {
                transport.send(
                        state.to(),
                        new StatePart(state.header(), id, seq, parts.length, state.summary(), digest, parts[seq]));
            }
            LOG.info(
                    "peers: sent {} the state at index {}: {} rows, {} entries, {} bytes in {} parts",
                    state.to(),
                    state.summary().snapshotIndex(),
                    image.rows(),
                    image.tail().size(),
                    bytes.length,
                    parts.length);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("peers: cannot send {} the state: {}", state.to(), e.getMessage(), e);
        }
    }

    /** On the transport's thread: a part of a state transfer; a complete one is verified, then staged. */
    private void receivePart(String from, StatePart part) {
        assembler.add(from, part).ifPresent(outcome -> {
            switch (outcome) {
                case StateAssembler.Outcome.Verified verified -> {
                    long id = transferIds.incrementAndGet();
                    log.stage(id, verified.image());
                    LOG.info(
                            "peers: received the state of {} at index {} ({} rows, {} entries); installing it",
                            from,
                            part.summary().snapshotIndex(),
                            verified.image().rows(),
                            verified.image().tail().size());
                    List<EntryMeta> tail =
                            verified.image().tail().stream().map(LogEntry::meta).toList();
                    submit(at -> new Input.StateStaged(at, id, from, part.header(), part.summary(), tail));
                }
                case StateAssembler.Outcome.Failed failed -> {
                    LOG.warn("peers: refused the state transfer from {}: {}", from, failed.reason());
                    submit(at -> new Input.StateFailed(at, from, part.header(), failed.reason()));
                }
            }
        });
    }

    /** On the machine thread: hands a duty over, or keeps it until duties are attached. */
    private void perform(Action action) {
        if (duties == null) {
            forDuties.add(action);
            return;
        }
        switch (action) {
            case Publish publish -> duties.publish(publish.id());
            case StartExporter start -> duties.startExporter(start.epoch());
            case StopExporter stop -> duties.stopExporter();
            case SetServing serving -> duties.serving(serving.serving(), serving.reason());
            default -> throw new IllegalArgumentException("not a duty: " + action);
        }
    }

    private S3Lease lease() {
        return lease.orElseThrow(
                () -> new IllegalStateException("the machine asked for a lease store it was told is absent"));
    }

    /**
     * A lease call on its own thread, one at a time (S3 may take its whole retry budget); its answer
     * comes back as an input stamped when it arrives: the machine counts a renewal from when it asked.
     * A call that throws is not answered: the machine's own timeout treats it as unreachable.
     */
    private void leaseCall(Supplier<Function<At, Input>> call) {
        try {
            leaseCalls.execute(() -> {
                Function<At, Input> answer;
                try {
                    answer = call.get();
                } catch (RuntimeException e) {
                    LOG.warn("peers: a lease call failed: {}", e.toString());
                    return;
                }
                submit(answer);
            });
        } catch (RejectedExecutionException e) {
            // Closing.
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
        reports.shutdownNow();
        leaseCalls.shutdownNow();
        lease.ifPresent(S3Lease::close);
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static At now() {
        return new At(System.nanoTime(), System.currentTimeMillis());
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread t = new Thread(runnable, name);
        t.setDaemon(true);
        return t;
    }
}
