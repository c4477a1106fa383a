package dev.tandem.peers;

import dev.tandem.peers.Action.AnswerWrite;
import dev.tandem.peers.Action.Event;
import dev.tandem.peers.Action.GrantSlot;
import dev.tandem.peers.Action.Persist;
import dev.tandem.peers.Action.Publish;
import dev.tandem.peers.Action.ReadLease;
import dev.tandem.peers.Action.Reply;
import dev.tandem.peers.Action.RoleChanged;
import dev.tandem.peers.Action.Send;
import dev.tandem.peers.Action.SendEntries;
import dev.tandem.peers.Action.SendState;
import dev.tandem.peers.Action.SetServing;
import dev.tandem.peers.Action.StartExporter;
import dev.tandem.peers.Action.StopExporter;
import dev.tandem.peers.Action.WriteLease;
import dev.tandem.peers.ClientWrites.Held;
import dev.tandem.peers.ClientWrites.Pending;
import dev.tandem.peers.ClientWrites.Slot;
import dev.tandem.peers.Command.Promote;
import dev.tandem.peers.Command.SwitchActive;
import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.DurableChange.Commit;
import dev.tandem.peers.DurableChange.CompactTo;
import dev.tandem.peers.DurableChange.InstallState;
import dev.tandem.peers.DurableChange.MoveAside;
import dev.tandem.peers.DurableChange.SetEpoch;
import dev.tandem.peers.DurableChange.SetSync;
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
import dev.tandem.peers.LeaseAnswer.Found;
import dev.tandem.peers.LeaseAnswer.Missing;
import dev.tandem.peers.LeaseAnswer.Unverifiable;
import dev.tandem.peers.OperatorAnswer.PromoteReport;
import dev.tandem.peers.OperatorAnswer.Promoted;
import dev.tandem.peers.OperatorAnswer.Refusal;
import dev.tandem.peers.OperatorAnswer.Switched;
import dev.tandem.peers.PeerMessage.Ack;
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
import dev.tandem.peers.PeerMessage.StateRequest;
import dev.tandem.peers.PeerMessage.StatusAnswer;
import dev.tandem.peers.PeerMessage.StatusQuery;
import dev.tandem.peers.PeerMessage.Subscribe;
import dev.tandem.peers.WriteAnswer.Ambiguous;
import dev.tandem.peers.WriteAnswer.Written;
import dev.tandem.peers.WriteOutcome.Committed;
import dev.tandem.peers.WriteOutcome.Misdirected;
import dev.tandem.peers.WriteOutcome.Unavailable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One node's replication, election and fencing (ADR 0014). Single-threaded: one caller at a time,
 * inputs in the order they happened. Pure: no clock, no I/O, no randomness but what inputs carry, so
 * the simulation runs several of them, the lease store and the network in one thread on a simulated
 * clock. The driver executes the returned actions in order, and a {@link Persist} completes durably
 * before the next action starts (§7.3): that is why every action that depends on durable state comes
 * after its Persist in the same list.
 */
public final class PeerMachine {
    private static final long NEVER = Long.MIN_VALUE / 4;
    private static final long FOREVER = Long.MAX_VALUE / 4;
    private static final long MS = 1_000_000L;
    private static final int BATCH = 256;
    private static final long FORCED_EPOCH_STRIDE = 1000;

    private enum WriteKind {
        /** L1: the first active creates the lease. */
        CREATE,
        /** L2 to L4: the holder renews, or changes the sync standby, at its own epoch. */
        HOLDER,
        /** L5: the old active names the switch target at epoch + 1. */
        HANDOVER,
        /** L6: a standby takes a lease it saw unchanged for W. */
        TAKEOVER,
        /** L7: an operator's promote. */
        PROMOTE,
        /** L8: the target of a switch counts its authority from a write it sent. */
        CONFIRM,
        /** L9: a node promoted while the store was down claims the lease at its epoch. */
        CLAIM
    }

    private enum ReadPurpose {
        START,
        POLL,
        RESOLVE,
        PROMOTE,
        CONFIRM,
        CLAIM
    }

    private record LeaseOp(WriteKind kind, long requestId, Lease lease, String replacedEtag, long sentAt) {}

    private record Switch(String target, long replyId, long startedAt, String requestedBy) {}

    private record HandoverSend(String target, Handover message, long replyId, long startedAt, long replyBy) {}

    private record EpochStart(String reason, String requestedBy, boolean lossAccepted, boolean gap, String previous) {}

    private final NodeSettings settings;
    private final Timing timing;
    private final LogIndex log;
    private final List<Action> out = new ArrayList<>();
    private final ClientWrites writes = new ClientWrites();
    private final Map<String, Progress> progress = new TreeMap<>();
    private final Set<String> linksUp = new TreeSet<>();
    private final Map<Long, ReadPurpose> reads = new TreeMap<>();
    private final Map<Long, Long> appendedAt = new TreeMap<>();
    private final Set<String> failsafeConfirmed = new TreeSet<>();
    private final Set<String> statusAnswered = new TreeSet<>();
    private final Map<String, HeardAnswer> heardAnswers = new TreeMap<>();
    private final List<LogEntry> ownQueue = new ArrayList<>();

    // Durable, mirrored here (§2.2).
    private long currentEpoch;
    private String epochActive;
    private RoleIntent roleIntent;
    private long commitIndex;
    private ServedId served;
    private String syncKnown;

    private State state = State.FOLLOWING;
    private boolean started;
    private String bootId = "";
    private long sequence;
    private long now;
    private long wallNow;
    private long lastTickMono = NEVER;
    private long lastTickWall;
    private boolean serving;
    private String servingReason = "starting";
    private boolean probeOk;
    private long nextProbeAt = NEVER;
    private boolean exporting;

    // Authority (§2.5).
    private long authUntil = NEVER;
    private boolean forced;
    private long writeNotBefore = NEVER;
    private boolean failsafeMode;
    private boolean lastLeaseFailureUnreachable;
    private long failsafeUntil = NEVER;
    private long failsafeRound;
    private long failsafeRoundSentAt = NEVER;
    private long nextFailsafeAt = NEVER;
    private String leaseEtag;
    private Lease leaseMine;
    private long nextRenewAt = NEVER;
    private LeaseOp leaseWrite;
    private LeaseOp resolving;
    /**
     * A handover write whose answer was lost: it may still land after a read shows the lease
     * unchanged, so the switch is aborted only once a renewal has replaced the version it was
     * conditional on (then it can no longer land).
     */
    private LeaseOp handoverInDoubt;

    private long nextStartReadAt = NEVER;
    private long missingSince = NEVER;
    private boolean leaseSeen;

    // Standby (§2.3).
    private Lease observed;
    private String observedEtag;
    private long observedSince = NEVER;
    private long promisedUntil = NEVER;
    private long nextPollAt = NEVER;
    private long heardWritableAt = NEVER;
    private long knownCommit;
    private String streamFrom;
    private long verifiedUpTo;
    private long probeIndex = -1;
    private long nextSubscribeAt = NEVER;
    private long nextAckAt = NEVER;
    private long nextStatusAt = NEVER;
    private long transferBackoff = 1000 * MS;
    private long nextTransferAt = NEVER;
    private long heardRound;
    private long heardRoundSentAt = NEVER;
    private long deferUntil = NEVER;

    // Active (§2.3).
    private String syncStandby;
    private String pendingSync;
    private long pendingSyncMark;
    private String desiredSync;
    private long nextHeartbeatAt = NEVER;
    private long epochStartIndex;
    private EpochStart epochStart;
    private Switch switching;
    private long handingOverSince = NEVER;
    private HandoverSend handover;
    private long nextHandoverAt = NEVER;
    private String handoverFrom;
    private long promoteReply = -1;
    private Promote promoteCommand;
    private long promoteReplacedSince;

    public PeerMachine(NodeSettings settings, Timing timing, DurableState restored) {
        this.settings = settings;
        this.timing = timing;
        this.log = new LogIndex(restored.base(), restored.entries());
        this.currentEpoch = restored.currentEpoch();
        this.epochActive = restored.epochActive();
        this.roleIntent = restored.roleIntent();
        this.commitIndex = restored.commitIndex();
        this.served = restored.served();
        this.syncKnown = restored.syncStandby();
    }

    // ---------------------------------------------------------------- the interface (§7.2)

    public List<Action> handle(Input input) {
        out.clear();
        now = input.at().mono();
        wallNow = input.at().wallMillis();
        if (!started && !(input instanceof Start)) {
            return List.of();
        }
        checkAuthority();
        switch (input) {
            case Start start -> start(start);
            case Tick tick -> tick();
            case Received received -> received(received.from(), received.message());
            case LinkChanged link -> linkChanged(link.peer(), link.up());
            case LeaseRead read -> leaseRead(read.requestId(), read.answer());
            case LeaseWritten written -> leaseWritten(written.requestId(), written.answer());
            case ProbeResult probe -> probeResult(probe);
            case ClientWrite write -> clientWrite(write.writeId(), write.kind());
            case Appended appended -> appended(appended.writeId(), appended.entry());
            case AppendRefused refused -> appendRefused(refused.writeId(), refused.reason());
            case Operator operator -> operator(operator.replyId(), operator.command());
            case StateStaged staged -> stateStaged(staged);
            case StateFailed failed -> stateFailed(failed);
        }
        afterInput();
        lastTickMono = now;
        lastTickWall = wallNow;
        return List.copyOf(out);
    }

    /** §2.5: a node that may commit is a writer; the simulation's I1 counts them. */
    public boolean mayCommitAt(long mono) {
        return state.writerState() && authorisedAt(mono) && mono >= writeNotBefore;
    }

    public boolean acceptsWritesAt(long mono) {
        return (state == State.STANDALONE || state == State.ACTIVE) && mayCommitAt(mono);
    }

    public NodeView view() {
        return new NodeView(
                settings.self(),
                state,
                currentEpoch,
                epochActive,
                log.firstIndex(),
                log.lastIndex(),
                log.lastChecksum(),
                commitIndex,
                served,
                serving,
                servingReason,
                syncStandby,
                syncKnown,
                failsafeMode,
                probeOk,
                Math.max(0, knownCommit - log.lastIndex()),
                writes.pending.size());
    }

    // ---------------------------------------------------------------- start (T1 to T3)

    private void start(Start start) {
        started = true;
        bootId = start.bootId();
        promisedUntil = now + timing.takeoverWait(null);
        if (served.revision() > 0 && servedStillInLog()) {
            out.add(new Publish(served));
        }
        serving = false;
        if (settings.leaseStore() && settings.automaticFailover()) {
            out.add(new Action.RunProbe());
        }
        if (roleIntent == RoleIntent.STANDBY) {
            state = State.FOLLOWING;
            roleChanged("start", "");
            follow();
        } else {
            state = State.FENCED;
            roleChanged("start", "");
            if (settings.leaseStore()) {
                read(ReadPurpose.START);
                if (!settings.alone()) {
                    // A member promoted by force holds a higher epoch the lease may not show yet: its answer demotes
                    // this node.
                    statusRound();
                }
            } else if (settings.alone()) {
                leadAfterStart();
            } else {
                statusRound();
            }
        }
    }

    /** Whether what was served before the restart is still what the committed log says (not so after a move-aside with loss). */
    private boolean servedStillInLog() {
        if (served.index() > commitIndex || served.index() < log.base().index()) {
            return served.index() == log.base().index()
                    && served.equals(log.base().identity());
        }
        ServedId identity = log.identityAt(served.index());
        return identity.epoch() == served.epoch() && identity.revision() == served.revision();
    }

    /** Without a lease store, or alone: the epoch alone decides (T2). */
    private void leadAfterStart() {
        if (currentEpoch == 0) {
            setEpoch(1, settings.self(), intentForWriter());
            epochStart = new EpochStart("first-start", "", false, false, "");
        }
        if (!settings.self().equals(epochActive)) {
            event("fenced", "epoch", currentEpoch, "reason", "this node is not the active of its epoch " + epochActive);
            return;
        }
        lead();
    }

    private RoleIntent intentForWriter() {
        return settings.alone() ? RoleIntent.STANDALONE : RoleIntent.ACTIVE;
    }

    // ---------------------------------------------------------------- authority (T10, T37)

    private boolean authorisedAt(long mono) {
        if (!settings.leaseStore() || forced) {
            return true;
        }
        if (mono < authUntil) {
            return true;
        }
        if (settings.alone()) {
            return lastLeaseFailureUnreachable;
        }
        return failsafeMode && lastLeaseFailureUnreachable && mono < failsafeUntil;
    }

    private boolean mayCommit() {
        return mayCommitAt(now);
    }

    private void checkAuthority() {
        if (state.writerState() && !authorisedAt(now)) {
            fence("self-fenced: the lease was not renewed in time");
        }
        boolean suspended =
                lastTickMono != NEVER && (wallNow - lastTickWall) * MS > (now - lastTickMono) + timing.safetyMargin();
        if (suspended && state.writerState() && settings.leaseStore()) {
            authUntil = NEVER;
            failsafeUntil = NEVER;
            fence("suspend detected: the wall clock moved " + (wallNow - lastTickWall)
                    + " ms while the monotonic clock moved " + (now - lastTickMono) / MS + " ms");
        }
    }

    private void fence(String reason) {
        if (switching != null) {
            out.add(new Reply(switching.replyId(), new Refusal("switch-aborted", reason)));
            switching = null;
        }
        state = State.FENCED;
        stopExporter();
        roleChanged(reason, "");
        event("fenced", "epoch", currentEpoch, "reason", reason);
        if (nextRenewAt > now) {
            nextRenewAt = now;
        }
    }

    // ---------------------------------------------------------------- ticks

    private void tick() {
        if (settings.leaseStore()) {
            leaseTimers();
        }
        if (failsafeMode && now >= nextFailsafeAt && isActiveOfEpoch()) {
            failsafeRoundStart();
        }
        if (isActiveOfEpoch() && state != State.FENCED && now >= nextHeartbeatAt) {
            heartbeats();
        }
        if (state.writerState()) {
            syncManagement();
        }
        writeTimeouts();
        if (switching != null && state == State.DEMOTING && now - switching.startedAt() >= timing.switchTimeout()) {
            abortSwitch("the target did not acknowledge every entry within " + Timing.text(timing.switchTimeout()));
        }
        if (state == State.HANDING_OVER && !settings.leaseStore() && now - handingOverSince >= 2000 * MS) {
            abortSwitch("the target did not answer the handover offer within 2s");
        }
        if (handover != null) {
            handoverTimers();
        }
        if (state.role() == Role.STANDBY) {
            standbyTimers();
        }
        if (state == State.FENCED && !settings.leaseStore() && !settings.alone() && now >= nextStatusAt) {
            statusRound();
        }
        if (settings.leaseStore()
                && settings.automaticFailover()
                && !probeOk
                && nextProbeAt != NEVER
                && now >= nextProbeAt) {
            nextProbeAt = NEVER;
            out.add(new Action.RunProbe());
        }
        compact();
    }

    private void leaseTimers() {
        if (leaseWrite != null || resolving != null) {
            return;
        }
        if (forced && now >= nextPollAt) {
            nextPollAt = now + timing.leasePoll();
            read(ReadPurpose.CLAIM);
            return;
        }
        boolean holder = isActiveOfEpoch()
                && leaseEtag != null
                && (state != State.HANDING_OVER || handoverInDoubt != null)
                && !forced;
        if (holder && now >= nextRenewAt) {
            holderWrite();
        } else if (state == State.FENCED && leaseEtag == null && !forced && now >= nextStartReadAt) {
            read(ReadPurpose.START);
        } else if (state.role() == Role.STANDBY && now >= nextPollAt) {
            nextPollAt = now + timing.leasePoll();
            read(ReadPurpose.POLL);
        }
    }

    private void standbyTimers() {
        if (state == State.TRANSFERRING) {
            if (now >= nextTransferAt) {
                requestState();
            }
            return;
        }
        if (epochActive == null || epochActive.equals(settings.self())) {
            if (now >= nextStatusAt) {
                statusRound();
            }
        } else if (streamFrom == null && now >= nextSubscribeAt) {
            subscribe();
        }
        if (streamFrom != null && now >= nextAckAt) {
            ack();
        }
        if (settings.leaseStore() && settings.automaticFailover()) {
            takeoverCheck();
        }
    }

    private boolean isActiveOfEpoch() {
        return settings.self().equals(epochActive) && state.role() == Role.ACTIVE || state == State.STANDALONE;
    }

    // ---------------------------------------------------------------- the lease (§5)

    private long read(ReadPurpose purpose) {
        long id = ++sequence;
        reads.put(id, purpose);
        out.add(new ReadLease(id));
        return id;
    }

    private String newWriteId() {
        return bootId + "-" + (++sequence);
    }

    private Lease lease(String holder, long epoch, long renewal, String sync) {
        return new Lease(
                settings.cluster(),
                holder,
                epoch,
                renewal,
                timing.ttl(),
                timing.safetyMargin(),
                sync,
                settings.replication(),
                settings.allowDataLoss(),
                settings.members(),
                commitIndex,
                newWriteId(),
                settings.self());
    }

    private void writeLease(WriteKind kind, Lease lease, Condition condition) {
        long id = ++sequence;
        String replaced = condition instanceof Matches matches ? matches.etag() : null;
        leaseWrite = new LeaseOp(kind, id, lease, replaced, now);
        out.add(new WriteLease(id, lease, condition));
    }

    private void holderWrite() {
        String sync = desiredSync != null ? emptyToNull(desiredSync) : syncStandby;
        long renewal = leaseMine == null ? 1 : leaseMine.renewal() + 1;
        writeLease(WriteKind.HOLDER, lease(settings.self(), currentEpoch, renewal, sync), new Matches(leaseEtag));
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private void leaseRead(long requestId, LeaseAnswer answer) {
        ReadPurpose purpose = reads.remove(requestId);
        if (purpose == null) {
            return;
        }
        if (answer instanceof Found) {
            leaseSeen = true;
        }
        if (answer instanceof Found found) {
            if (!found.lease().cluster().equals(settings.cluster())) {
                event(
                        "lease-refused",
                        "reason",
                        "the lease names cluster " + found.lease().cluster());
                return;
            }
            if (found.lease().epoch() > currentEpoch) {
                learnEpoch(found.lease().epoch(), found.lease().holder(), found);
                if (purpose != ReadPurpose.PROMOTE) {
                    if (purpose == ReadPurpose.RESOLVE) {
                        resolveAfterHigherEpoch();
                    }
                    return;
                }
            }
        }
        if (answer instanceof Unverifiable unverifiable) {
            event("lease-unverifiable", "detail", unverifiable.detail());
        }
        switch (purpose) {
            case START -> startRead(answer);
            case POLL -> pollRead(answer);
            case RESOLVE -> resolveRead(answer);
            case PROMOTE -> promoteRead(answer);
            case CONFIRM -> confirmRead(answer);
            case CLAIM -> claimRead(answer);
        }
    }

    /** T1, T4, T5: a writer-intent node after its start. */
    private void startRead(LeaseAnswer answer) {
        if (state != State.FENCED || leaseEtag != null) {
            return;
        }
        nextStartReadAt = now + timing.leasePoll();
        switch (answer) {
            case Found found -> {
                Lease lease = found.lease();
                missingSince = NEVER;
                if (lease.holder().equals(settings.self()) && lease.epoch() == currentEpoch) {
                    leaseEtag = found.etag();
                    leaseMine = lease;
                    long start = epochStartIndexOf(currentEpoch);
                    if (start == 0 || start > commitIndex) {
                        // The last incarnation had not committed its epoch's first entry, so it may have been
                        // waiting for the old holder's authority to run out; how long is lost with the crash.
                        writeNotBefore = now + timing.takeoverWait(lease);
                    }
                    holderWrite();
                } else if (lease.epoch() < currentEpoch && settings.self().equals(epochActive)) {
                    writeLease(
                            WriteKind.CLAIM, lease(settings.self(), currentEpoch, 0, null), new Matches(found.etag()));
                } else if (lease.epoch() == currentEpoch && !lease.holder().equals(settings.self())) {
                    learnActive(lease.holder());
                }
            }
            case Missing missing -> {
                if (currentEpoch == 0) {
                    setEpoch(1, settings.self(), intentForWriter());
                    epochStart = new EpochStart("first-start", "", false, false, "");
                    writeLease(WriteKind.CREATE, lease(settings.self(), 1, 0, null), new Condition.Absent());
                } else if (settings.self().equals(epochActive) && !leaseSeen && epochStartIndexOf(currentEpoch) == 0) {
                    // This node's own first create is in doubt and its epoch never started: nobody can hold
                    // a lease that never existed, and If-None-Match keeps a retry from replacing one.
                    writeLease(WriteKind.CREATE, lease(settings.self(), currentEpoch, 0, null), new Condition.Absent());
                } else if (settings.self().equals(epochActive)) {
                    // Deleted by hand: create it again only after W of seeing it missing, so that any
                    // holder that renewed before the deletion has fenced itself.
                    if (missingSince == NEVER) {
                        missingSince = now;
                        event(
                                "lease-missing",
                                "detail",
                                "the lease object is gone; it is created again after " + Timing.text(w()));
                    } else if (now - missingSince >= w()) {
                        writeLease(
                                WriteKind.CREATE,
                                lease(settings.self(), currentEpoch, 0, null),
                                new Condition.Absent());
                    }
                }
            }
            case LeaseAnswer.Unreachable unreachable -> {
                if (settings.alone() && settings.self().equals(epochActive) || settings.alone() && currentEpoch == 0) {
                    lastLeaseFailureUnreachable = true;
                    leadAfterStart();
                }
            }
            case Unverifiable unverifiable -> {}
        }
    }

    /** R1: a standby watches the lease version; condition (b) counts from the first read that returned it. */
    private void pollRead(LeaseAnswer answer) {
        switch (answer) {
            case Found found -> {
                if (!found.etag().equals(observedEtag)) {
                    observedEtag = found.etag();
                    observedSince = now;
                }
                observed = found.lease();
                if (found.lease().epoch() == currentEpoch) {
                    if (found.lease().holder().equals(settings.self()) && state.role() == Role.STANDBY) {
                        // The epoch was learnt from a message that did not name its active, and the lease names this
                        // node.
                        takeLeaseNamingMe(found);
                        return;
                    }
                    if (epochActive == null) {
                        learnActive(found.lease().holder());
                    }
                    String sync = found.lease().syncStandby();
                    if (!Objects.equals(sync, syncKnown)) {
                        syncKnown = sync;
                        out.add(new Persist(new SetSync(sync)));
                    }
                }
            }
            case Missing missing -> {
                observedEtag = null;
                observed = null;
            }
            default -> {}
        }
    }

    private void leaseWritten(long requestId, WriteAnswer answer) {
        LeaseOp op = leaseWrite;
        if (op == null || op.requestId() != requestId) {
            return;
        }
        leaseWrite = null;
        switch (answer) {
            case Written written -> landed(op, written.etag());
            case WriteAnswer.Unreachable unreachable -> notDelivered(op, unreachable.detail());
            case WriteAnswer.Refused refused -> resolve(op);
            case Ambiguous ambiguous -> {
                if (op.kind() == WriteKind.HANDOVER) {
                    handoverInDoubt = op;
                }
                resolve(op);
            }
        }
    }

    private void resolve(LeaseOp op) {
        resolving = op;
        read(ReadPurpose.RESOLVE);
    }

    /** R2: after a refused or ambiguous write, the object says whether mine landed. */
    private void resolveRead(LeaseAnswer answer) {
        LeaseOp op = resolving;
        resolving = null;
        if (op == null) {
            return;
        }
        switch (answer) {
            case Found found -> {
                if (handoverInDoubt != null
                        && found.lease()
                                .writeId()
                                .equals(handoverInDoubt.lease().writeId())) {
                    LeaseOp handover = handoverInDoubt;
                    handoverInDoubt = null;
                    landed(handover, found.etag());
                } else if (found.lease().writeId().equals(op.lease().writeId())) {
                    landed(op, found.etag());
                } else if (found.etag().equals(op.replacedEtag())) {
                    notLanded(op, "the lease is unchanged");
                } else {
                    otherWriter(op, found);
                }
            }
            case Missing missing -> {
                if (op.kind() == WriteKind.HOLDER && authorisedAt(now)) {
                    event(
                            "lease-missing",
                            "detail",
                            "the lease object is gone while this node holds it: created again at epoch "
                                    + currentEpoch);
                    writeLease(
                            WriteKind.CREATE,
                            lease(settings.self(), currentEpoch, 0, syncStandby),
                            new Condition.Absent());
                } else {
                    notLanded(op, "the lease object is missing");
                }
            }
            case LeaseAnswer.Unreachable unreachable -> notDelivered(op, unreachable.detail());
            case Unverifiable unverifiable ->
                notLanded(op, "the lease object does not verify: " + unverifiable.detail());
        }
    }

    private void resolveAfterHigherEpoch() {
        LeaseOp op = resolving;
        resolving = null;
        if (op != null) {
            failOperator(op, "another node holds a higher epoch");
        }
    }

    private void landed(LeaseOp op, String etag) {
        leaseSeen = true;
        leaseEtag = etag;
        leaseMine = op.lease();
        lastLeaseFailureUnreachable = false;
        failsafeMode = false;
        missingSince = NEVER;
        switch (op.kind()) {
            case CREATE, HOLDER, CONFIRM, CLAIM -> {
                authUntil = op.sentAt() + timing.ttl() - timing.safetyMargin();
                nextRenewAt = op.sentAt() + timing.renewInterval();
                forced = false;
                applySync(op.lease().syncStandby());
                if (handoverInDoubt != null && op.kind() == WriteKind.HOLDER) {
                    handoverInDoubt = null;
                    abortSwitch(
                            "the lease write naming the target did not land; a renewal has replaced the version it needed");
                }
                if (op.kind() == WriteKind.CONFIRM && handoverFrom != null) {
                    send(handoverFrom, new HandoverAck(header(), currentEpoch));
                    handoverFrom = null;
                }
                if (state == State.FENCED || op.kind() == WriteKind.CREATE || op.kind() == WriteKind.CONFIRM) {
                    if (settings.self().equals(epochActive)) {
                        lead();
                    }
                }
                if (state == State.DEMOTING) {
                    switchStep();
                }
                tryCommit();
            }
            case HANDOVER -> handedOver(etag);
            case TAKEOVER -> tookOver(op);
            case PROMOTE -> promoted(op);
        }
    }

    /** The request never reached the store: it did not land. */
    private void notDelivered(LeaseOp op, String detail) {
        lastLeaseFailureUnreachable = true;
        switch (op.kind()) {
            case CREATE, HOLDER, CONFIRM, CLAIM -> {
                nextRenewAt = now + timing.s3AttemptTimeout() / 2;
                if (op.kind() == WriteKind.HOLDER
                        && settings.failsafe()
                        && !settings.alone()
                        && !failsafeMode
                        && state.writerState()) {
                    failsafeMode = true;
                    nextFailsafeAt = now;
                    failsafeUntil = NEVER;
                    event(
                            "failsafe",
                            "detail",
                            "the lease store is unreachable (" + detail + "): asking every member to confirm");
                }
                if (op.kind() == WriteKind.CONFIRM) {
                    read(ReadPurpose.CONFIRM);
                }
            }
            case HANDOVER -> {
                // Ambiguous handovers are resolved by reading again until the store answers (T17).
                if (resolvingHandover(op)) {
                    return;
                }
                abortSwitch("the lease store is unreachable: " + detail);
            }
            case TAKEOVER -> event("takeover-failed", "detail", detail);
            case PROMOTE -> {
                if (promoteCommand != null && promoteCommand.oldActiveIsDown()) {
                    forcedPromote();
                } else {
                    failOperator(
                            op,
                            "the lease cannot be written (" + detail
                                    + "); give oldActiveIsDown once the old active is stopped");
                }
            }
        }
    }

    private boolean resolvingHandover(LeaseOp op) {
        if (op.replacedEtag() == null) {
            return false;
        }
        // The handover may have landed: never resume as the active before the store says it did not.
        resolving = op;
        long id = ++sequence;
        reads.put(id, ReadPurpose.RESOLVE);
        out.add(new ReadLease(id));
        return true;
    }

    private void notLanded(LeaseOp op, String detail) {
        switch (op.kind()) {
            case CREATE, HOLDER, CLAIM -> nextRenewAt = now + timing.s3AttemptTimeout() / 2;
            case CONFIRM -> read(ReadPurpose.CONFIRM);
            case HANDOVER -> {
                if (handoverInDoubt != null) {
                    if (leaseWrite == null) {
                        holderWrite();
                    }
                    return;
                }
                abortSwitch("the lease write naming the target did not land: " + detail);
            }
            case TAKEOVER -> event("takeover-failed", "detail", detail);
            case PROMOTE -> failOperator(op, detail);
        }
    }

    /** Someone else wrote the lease at my epoch or lower (the higher epoch was handled first). */
    private void otherWriter(LeaseOp op, Found found) {
        Lease lease = found.lease();
        switch (op.kind()) {
            case CREATE, HOLDER, CLAIM -> {
                if (lease.holder().equals(settings.self()) && lease.epoch() == currentEpoch) {
                    // An earlier incarnation of this node wrote it: adopt the version, renew again.
                    leaseEtag = found.etag();
                    leaseMine = lease;
                    nextRenewAt = now;
                } else if (lease.epoch() == currentEpoch) {
                    event(
                            "alert",
                            "detail",
                            "the lease at epoch " + currentEpoch + " names " + lease.holder() + ", not this node");
                    if (state.writerState()) {
                        authUntil = NEVER;
                        fence("another holder at my epoch");
                    }
                } else if (settings.self().equals(epochActive)) {
                    writeLease(
                            WriteKind.CLAIM,
                            lease(settings.self(), currentEpoch, 0, syncStandby),
                            new Matches(found.etag()));
                }
            }
            case CONFIRM -> confirmRead(found);
            case HANDOVER -> abortSwitch("the lease changed under the switch");
            case TAKEOVER -> {
                observedEtag = found.etag();
                observedSince = now;
                observed = lease;
            }
            case PROMOTE -> failOperator(op, "the lease changed while promoting: try again");
        }
    }

    private void failOperator(LeaseOp op, String detail) {
        if (op.kind() == WriteKind.PROMOTE && promoteReply >= 0) {
            out.add(new Reply(promoteReply, new Refusal("lease-unwritable", detail)));
            promoteReply = -1;
            promoteCommand = null;
        }
    }

    private void applySync(String sync) {
        if (!Objects.equals(sync, syncStandby)) {
            event("sync-standby", "from", String.valueOf(syncStandby), "to", String.valueOf(sync));
        }
        syncStandby = sync;
        if (sync != null && sync.equals(pendingSync)) {
            pendingSync = null;
        }
        if (desiredSync != null && Objects.equals(emptyToNull(desiredSync), sync)) {
            desiredSync = null;
        }
        if (!Objects.equals(sync, syncKnown)) {
            syncKnown = sync;
            out.add(new Persist(new SetSync(sync)));
        }
    }

    private long w() {
        return timing.takeoverWait(observed);
    }

    private void probeResult(ProbeResult probe) {
        probeOk = probe.ok();
        if (!probe.ok()) {
            nextProbeAt = now + 30_000 * MS;
            event("probe-failed", "detail", probe.detail());
        }
    }

    // ---------------------------------------------------------------- epochs (T12, T18)

    private void setEpoch(long epoch, String active, RoleIntent intent) {
        out.add(new Persist(new SetEpoch(epoch, active, intent)));
        if (epoch != currentEpoch || !Objects.equals(active, epochActive)) {
            // knownMissing counts what the active of this epoch announced, not what an earlier one did.
            knownCommit = 0;
        }
        currentEpoch = epoch;
        epochActive = active;
        roleIntent = intent;
    }

    /** A higher epoch wins before anything else happens: persist it, then act on it. */
    private void learnEpoch(long epoch, String active, Found lease) {
        if (epoch <= currentEpoch) {
            return;
        }
        if (settings.self().equals(active)) {
            if (lease != null) {
                setEpoch(epoch, active, RoleIntent.ACTIVE);
                takeLeaseNamingMe(lease);
            } else {
                // Only a lease or a handover makes this node the active: until one does, it knows the epoch, not its
                // active.
                setEpoch(epoch, null, RoleIntent.STANDBY);
                demote("epoch " + epoch + " names this node, without a handover yet");
            }
            return;
        }
        boolean wasWriter = state.role() != Role.STANDBY;
        setEpoch(epoch, active, RoleIntent.STANDBY);
        demote("epoch " + epoch + " is held by " + (active == null ? "an unknown node" : active));
        if (wasWriter) {
            event("demoted", "epoch", epoch, "active", String.valueOf(active));
        }
    }

    /**
     * T18 from a lease read: a switch wrote it for this node, or this node's own takeover or promote
     * landed before a crash. In the second case nothing says how long ago, so it waits W before it commits.
     */
    private void takeLeaseNamingMe(Found lease) {
        if (!settings.self().equals(epochActive) || roleIntent != RoleIntent.ACTIVE) {
            setEpoch(lease.lease().epoch(), settings.self(), RoleIntent.ACTIVE);
        }
        boolean mine = settings.self().equals(lease.lease().writtenBy());
        boolean loss = mine
                && (settings.replication() == Replication.ASYNC
                        || !settings.self().equals(syncKnown));
        becomePromoting(new EpochStart(
                mine ? "failover" : "switch", "", loss, mine, lease.lease().writtenBy()));
        writeNotBefore = mine ? now + timing.takeoverWait(lease.lease()) : NEVER;
        if (leaseWrite == null) {
            writeLease(WriteKind.CONFIRM, confirmLease(lease.lease()), new Matches(lease.etag()));
        }
    }

    private Lease confirmLease(Lease written) {
        return lease(settings.self(), currentEpoch, written.renewal() + 1, written.syncStandby());
    }

    /** The active of this node's epoch, learnt from a peer or the lease; this node itself becomes active only by a lease or a handover. */
    private void learnActive(String active) {
        if (active == null || active.equals(epochActive) || active.equals(settings.self())) {
            return;
        }
        setEpoch(currentEpoch, active, RoleIntent.STANDBY);
        if (state.role() != Role.STANDBY) {
            demote("the active of epoch " + currentEpoch + " is " + active);
        } else {
            follow();
        }
    }

    /** T12: stop writing; held writes go to the active, pending ones are reported as unknown. */
    private void demote(String reason) {
        State before = state;
        state = State.FOLLOWING;
        stopExporter();
        authUntil = NEVER;
        forced = false;
        failsafeMode = false;
        writeNotBefore = NEVER;
        leaseEtag = null;
        leaseMine = null;
        leaseWrite = null;
        resolving = null;
        handoverInDoubt = null;
        progress.clear();
        syncStandby = null;
        pendingSync = null;
        desiredSync = null;
        epochStart = null;
        ownQueue.clear();
        if (switching != null) {
            out.add(new Reply(switching.replyId(), new Refusal("switch-aborted", reason)));
            switching = null;
        }
        for (Held write : writes.drainHeld()) {
            out.add(new AnswerWrite(write.writeId(), redirect()));
        }
        for (Map.Entry<Long, Pending> pending : writes.pending.entrySet()) {
            if (!pending.getValue().answered) {
                pending.getValue().answered = true;
                out.add(new AnswerWrite(
                        pending.getValue().writeId,
                        new Unavailable(
                                "outcome-unknown",
                                "stored at index " + pending.getKey() + " but not committed before " + reason
                                        + ": it may commit on the new active or be moved aside",
                                5,
                                pending.getKey())));
            }
        }
        writes.pending.clear();
        appendedAt.clear();
        if (before != State.FOLLOWING) {
            roleChanged(reason, "");
        }
        follow();
    }

    private WriteOutcome redirect() {
        if (epochActive != null && !epochActive.equals(settings.self())) {
            return new Misdirected(epochActive, currentEpoch);
        }
        return new Unavailable("no-active", "no active is known at epoch " + currentEpoch, 2, 0);
    }

    // ---------------------------------------------------------------- leading (T6, T19, T20)

    private void becomePromoting(EpochStart start) {
        state = State.PROMOTING;
        epochStart = start;
        streamFrom = null;
        stopExporter();
        roleChanged("promoting: " + start.reason(), start.requestedBy());
    }

    /** This node holds the authority of its epoch: start or resume leading it. */
    private void lead() {
        for (String other : settings.others()) {
            progress.computeIfAbsent(other, name -> new Progress(NEVER));
        }
        String handedFrom = null;
        if (!settings.leaseStore()) {
            // The log's record may name this node, the sync standby of the epoch before: a new active
            // never waits for itself. After a switch the old active holds every entry: it is the sync standby.
            String fromLog = syncFromLog();
            syncStandby = settings.self().equals(fromLog) ? null : fromLog;
            if (settings.self().equals(fromLog)
                    && epochStart != null
                    && epochStart.reason().equals("switch")
                    && !epochStart.previous().isEmpty()
                    && settings.replication() == Replication.SYNC) {
                handedFrom = epochStart.previous();
            }
        }
        epochStartIndex = epochStartIndexOf(currentEpoch);
        if (epochStartIndex == 0) {
            EpochStart start = epochStart != null ? epochStart : new EpochStart("restart", "", false, false, "");
            appendOwn(epochStartEntry(start));
            state = State.PROMOTING;
            if (handedFrom != null) {
                changeSync(handedFrom);
            }
        } else if (epochStartIndex <= commitIndex && now >= writeNotBefore) {
            becomeWriter();
        } else {
            state = State.PROMOTING;
        }
        replicate();
        tryCommit();
    }

    private long epochStartIndexOf(long epoch) {
        for (long i = log.lastIndex(); i >= log.firstIndex(); i--) {
            EntryMeta entry = log.at(i);
            if (entry.epoch() < epoch) {
                return 0;
            }
            if (entry.kind().equals(EntryKinds.EPOCH_START) && entry.epoch() == epoch) {
                return i;
            }
        }
        return 0;
    }

    private LogEntry epochStartEntry(EpochStart start) {
        long reserved = log.maxRevision() + (start.gap() ? 1 : 0);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("active", settings.self());
        fields.put("epoch", currentEpoch);
        fields.put("lossAccepted", start.lossAccepted());
        fields.put("nextRevision", reserved + 1);
        fields.put("previous", start.previous());
        fields.put("reason", start.reason());
        fields.put("requestedBy", start.requestedBy());
        return LogEntry.create(
                log.lastChecksum(),
                currentEpoch,
                log.lastIndex() + 1,
                EntryKinds.EPOCH_START,
                reserved,
                ControlPayload.write(fields));
    }

    private void becomeWriter() {
        State before = state;
        state = settings.alone() ? State.STANDALONE : State.ACTIVE;
        if (!exporting) {
            exporting = true;
            out.add(new StartExporter(currentEpoch));
        }
        if (before != state) {
            roleChanged(
                    epochStart == null ? "resumed" : epochStart.reason(),
                    epochStart == null ? "" : epochStart.requestedBy());
            if (epochStart != null && !epochStart.reason().equals("restart")) {
                event(
                        "role",
                        "state",
                        state.name(),
                        "epoch",
                        currentEpoch,
                        "reason",
                        epochStart.reason(),
                        "requestedBy",
                        epochStart.requestedBy());
            }
        }
        grant();
    }

    private void stopExporter() {
        if (exporting) {
            exporting = false;
            out.add(new StopExporter());
        }
    }

    // ---------------------------------------------------------------- appending (§3.3)

    private void appendOwn(LogEntry entry) {
        if (writes.slot != null || !ownQueue.isEmpty()) {
            ownQueue.add(entry);
            return;
        }
        persistOwn(entry);
    }

    private void persistOwn(LogEntry entry) {
        LogEntry placed = entry.index() == log.lastIndex() + 1
                ? entry
                : LogEntry.create(
                        log.lastChecksum(),
                        entry.epoch(),
                        log.lastIndex() + 1,
                        entry.kind(),
                        entry.revision(),
                        entry.payload());
        out.add(new Persist(new Append(List.of(placed))));
        log.append(placed.meta());
        appendedAt.put(placed.index(), now);
        if (placed.kind().equals(EntryKinds.EPOCH_START) && placed.epoch() == currentEpoch) {
            epochStartIndex = placed.index();
        }
        if (placed.kind().equals(EntryKinds.SYNC_STANDBY)) {
            String name = syncName(placed.payload());
            applySyncFromLog(name);
        }
    }

    private void flushOwn() {
        while (writes.slot == null && !ownQueue.isEmpty()) {
            persistOwn(ownQueue.remove(0));
        }
    }

    private void clientWrite(long writeId, String kind) {
        if (state.role() == Role.STANDBY) {
            out.add(new AnswerWrite(writeId, redirect()));
            return;
        }
        if (state == State.FENCED && !settings.self().equals(epochActive) && epochActive != null) {
            out.add(new AnswerWrite(writeId, redirect()));
            return;
        }
        writes.held.addLast(new Held(writeId, kind, now));
        grant();
    }

    /** Grants the next held write a slot when this node accepts writes and nothing else is in the way. */
    private void grant() {
        Held next = writes.nextHeld();
        if (next == null || writes.slot != null || !ownQueue.isEmpty() || !acceptsWritesAt(now)) {
            return;
        }
        boolean revision = next.kind().equals(EntryKinds.REVISION);
        if (revision && log.revisionAbove(commitIndex)) {
            return;
        }
        writes.held.removeFirst();
        long number = revision ? log.maxRevision() + 1 : 0;
        Slot slot =
                new Slot(next.writeId(), currentEpoch, log.lastIndex() + 1, next.kind(), number, log.lastChecksum());
        writes.slot = slot;
        out.add(new GrantSlot(slot.writeId(), slot.epoch(), slot.index(), slot.revision(), slot.prevChecksum()));
    }

    private void appended(long writeId, LogEntry entry) {
        Slot slot = writes.slot;
        if (slot == null || slot.writeId() != writeId) {
            throw new IllegalStateException("an append for write " + writeId + " that holds no slot");
        }
        if (entry.index() != slot.index()
                || entry.epoch() != slot.epoch()
                || entry.revision() != slot.revision()
                || !entry.kind().equals(slot.kind())
                || !entry.follows(slot.prevChecksum())) {
            throw new IllegalStateException("the stored entry " + entry + " is not the slot it was granted: " + slot);
        }
        writes.slot = null;
        // The entry is durable whatever happened meanwhile: it joins the log even if this node no longer leads.
        log.append(entry.meta());
        if (state.role() != Role.STANDBY && entry.epoch() == currentEpoch) {
            writes.pending.put(entry.index(), new Pending(writeId, now));
            appendedAt.put(entry.index(), now);
        } else {
            out.add(new AnswerWrite(
                    writeId,
                    new Unavailable(
                            "outcome-unknown",
                            "stored at index " + entry.index()
                                    + " after this node stopped leading: it may be moved aside",
                            5,
                            entry.index())));
        }
        flushOwn();
        replicate();
        tryCommit();
        grant();
        if (state.role() == Role.STANDBY && streamFrom == null) {
            nextSubscribeAt = now;
        }
    }

    private void appendRefused(long writeId, String reason) {
        if (writes.slot == null || writes.slot.writeId() != writeId) {
            throw new IllegalStateException("a refusal for write " + writeId + " that holds no slot");
        }
        writes.slot = null;
        out.add(new AnswerWrite(writeId, new WriteOutcome.Refused(reason)));
        flushOwn();
        replicate();
        grant();
    }

    private void writeTimeouts() {
        for (Held write : writes.expiredHeld(now, timing.writeWait())) {
            out.add(new AnswerWrite(
                    write.writeId(),
                    new Unavailable(
                            "not-accepting",
                            "this node has not accepted writes for " + Timing.text(timing.writeWait()) + " ("
                                    + state.name().toLowerCase(Locale.ROOT) + ")",
                            5,
                            0)));
        }
        for (Map.Entry<Long, Pending> entry : writes.pending.entrySet()) {
            Pending pending = entry.getValue();
            if (!pending.answered && now - pending.appendedAt >= timing.writeWait()) {
                pending.answered = true;
                out.add(new AnswerWrite(
                        pending.writeId,
                        new Unavailable(
                                "not-acknowledged",
                                "stored at index " + entry.getKey()
                                        + " but not acknowledged by the sync standby within "
                                        + Timing.text(timing.writeWait()) + ": it may still commit",
                                5,
                                entry.getKey())));
            }
        }
    }

    // ---------------------------------------------------------------- replicating and committing (§3.4)

    private void replicate() {
        if (!isActiveOfEpoch() || writes.slot != null) {
            return;
        }
        for (Map.Entry<String, Progress> entry : progress.entrySet()) {
            Progress peer = entry.getValue();
            if (peer.wantsState) {
                peer.wantsState = false;
                sendState(entry.getKey());
                continue;
            }
            if (peer.streaming && peer.nextIndex <= log.base().index()) {
                peer.streaming = false;
                send(entry.getKey(), new NeedState(header(), log.firstIndex(), commitIndex));
                continue;
            }
            while (peer.streaming && peer.nextIndex <= log.lastIndex()) {
                long to = Math.min(log.lastIndex(), peer.nextIndex + BATCH - 1);
                sendEntries(entry.getKey(), peer.nextIndex, to);
                peer.nextIndex = to + 1;
            }
        }
    }

    private void sendEntries(String to, long from, long through) {
        out.add(new SendEntries(
                to, header(), from - 1, log.checksumAt(from - 1), from, through, commitIndex, log.lastIndex()));
    }

    private void heartbeats() {
        nextHeartbeatAt = now + timing.heartbeat();
        for (Map.Entry<String, Progress> entry : progress.entrySet()) {
            if (entry.getValue().streaming) {
                send(entry.getKey(), new Heartbeat(header(), commitIndex, log.lastIndex(), mayCommit(), syncStandby));
            }
        }
    }

    private Set<String> required() {
        Set<String> required = new TreeSet<>();
        if (settings.replication() == Replication.SYNC) {
            if (syncStandby != null) {
                required.add(syncStandby);
            }
            if (pendingSync != null) {
                required.add(pendingSync);
            }
        }
        return required;
    }

    /** The commit rule: every required standby holds it, it reaches an entry of this epoch, and this node may commit. */
    private void tryCommit() {
        if (!state.writerState() || !mayCommit()) {
            return;
        }
        Set<String> required = required();
        long candidate = log.lastIndex();
        for (String name : required) {
            Progress peer = progress.get(name);
            candidate = Math.min(candidate, peer == null ? 0 : peer.matchIndex);
        }
        while (candidate > commitIndex && log.holds(candidate) && log.epochAt(candidate) != currentEpoch) {
            candidate--;
        }
        if (candidate <= commitIndex || !log.holds(candidate)) {
            return;
        }
        commitTo(candidate, required);
    }

    private void commitTo(long index, Set<String> required) {
        commitIndex = index;
        ServedId identity = log.identityAt(index);
        boolean publish = identity.revision() > 0 && identity.isNewerThan(served);
        if (publish) {
            served = identity;
        }
        out.add(new Persist(new Commit(commitIndex, served)));
        if (publish) {
            out.add(new Publish(served));
        }
        List<String> heldBy = List.copyOf(required);
        for (Map.Entry<Long, Pending> entry : writes.committedUpTo(index)) {
            Pending pending = entry.getValue();
            if (!pending.answered) {
                EntryMeta meta = log.at(entry.getKey());
                out.add(new AnswerWrite(
                        pending.writeId, new Committed(meta.epoch(), meta.index(), meta.revision(), heldBy)));
            }
        }
        appendedAt.keySet().removeIf(i -> i <= index);
        if (state == State.PROMOTING
                && epochStartIndex > 0
                && epochStartIndex <= commitIndex
                && now >= writeNotBefore) {
            becomeWriter();
        }
        if (state == State.DEMOTING) {
            switchStep();
        }
        grant();
    }

    /** T34, T35: keep one sync standby, adding and dropping it in Patroni's order. */
    private void syncManagement() {
        if (settings.replication() != Replication.SYNC || settings.alone()) {
            return;
        }
        if (state == State.PROMOTING && epochStartIndex == 0) {
            return;
        }
        if (syncStandby != null && desiredSync == null) {
            Progress sync = progress.get(syncStandby);
            long oldest = oldestUnacknowledged(sync == null ? 0 : sync.matchIndex);
            if (oldest != NEVER && now - oldest >= timing.syncTimeout()) {
                String replacement = caughtUp(syncStandby);
                if (replacement != null) {
                    pendingSync = replacement;
                    pendingSyncMark = log.lastIndex();
                    event("sync-standby-replacing", "from", syncStandby, "to", replacement);
                } else {
                    event(
                            "degraded",
                            "detail",
                            syncStandby + " has not acknowledged for " + Timing.text(timing.syncTimeout())
                                    + ": recording that writes go on without a sync standby");
                    changeSync(null);
                }
            }
        }
        if (syncStandby == null && pendingSync == null && desiredSync == null) {
            String candidate = caughtUp(null);
            if (candidate != null) {
                pendingSync = candidate;
                pendingSyncMark = log.lastIndex();
            }
        }
        if (pendingSync != null && desiredSync == null) {
            Progress peer = progress.get(pendingSync);
            if (peer != null && peer.matchIndex >= pendingSyncMark && log.epochAt(peer.matchIndex) >= 0) {
                changeSync(pendingSync);
            } else if (peer == null || now - peer.lastContact >= timing.syncTimeout()) {
                pendingSync = null;
            }
        }
    }

    private void changeSync(String name) {
        if (settings.leaseStore()) {
            desiredSync = name == null ? "" : name;
            if (leaseWrite == null && resolving == null && leaseEtag != null && !forced) {
                holderWrite();
            }
        } else {
            Map<String, Object> fields = new TreeMap<>();
            fields.put("name", name);
            fields.put("reason", name == null ? "the sync standby did not acknowledge" : "caught up");
            appendOwn(LogEntry.create(
                    log.lastChecksum(),
                    currentEpoch,
                    log.lastIndex() + 1,
                    EntryKinds.SYNC_STANDBY,
                    0,
                    ControlPayload.write(fields)));
            replicate();
        }
    }

    private void applySyncFromLog(String name) {
        if (state.role() == Role.ACTIVE || state == State.STANDALONE) {
            syncStandby = name;
            if (name != null && name.equals(pendingSync)) {
                pendingSync = null;
            }
        }
        if (!Objects.equals(name, syncKnown)) {
            syncKnown = name;
            out.add(new Persist(new SetSync(name)));
        }
    }

    private static String syncName(byte[] payload) {
        Object name = ControlPayload.read(payload).get("name");
        return name == null ? null : name.toString();
    }

    private String syncFromLog() {
        return syncKnown;
    }

    private long oldestUnacknowledged(long matchIndex) {
        for (Map.Entry<Long, Long> entry : appendedAt.entrySet()) {
            if (entry.getKey() > matchIndex) {
                return entry.getValue();
            }
        }
        return NEVER;
    }

    /** A standby other than {@code except} that holds every entry and was heard within a second: the lowest name wins a tie. */
    private String caughtUp(String except) {
        String best = null;
        long bestMatch = -1;
        for (Map.Entry<String, Progress> entry : progress.entrySet()) {
            Progress peer = entry.getValue();
            if (entry.getKey().equals(except) || !peer.streaming || now - peer.lastContact > 1000 * MS) {
                continue;
            }
            if (peer.matchIndex == log.lastIndex() && peer.matchIndex > bestMatch) {
                best = entry.getKey();
                bestMatch = peer.matchIndex;
            }
        }
        return best;
    }

    private void compact() {
        long size = log.lastIndex() - log.firstIndex() + 1;
        if (size <= timing.retainEntries() + 50) {
            return;
        }
        long target = Math.min(commitIndex, log.lastIndex() - timing.retainEntries());
        if (syncStandby != null && progress.containsKey(syncStandby)) {
            target = Math.min(target, progress.get(syncStandby).matchIndex);
        }
        if (target >= log.firstIndex()) {
            log.compactTo(target);
            out.add(new Persist(new CompactTo(log.base())));
        }
    }

    // ---------------------------------------------------------------- messages (§4.4, §4.5)

    private Header header() {
        return new Header(settings.cluster(), currentEpoch, settings.self(), wallNow);
    }

    private void send(String to, PeerMessage message) {
        out.add(new Send(to, message));
    }

    private void received(String from, PeerMessage message) {
        Header header = message.header();
        if (!header.cluster().equals(settings.cluster())
                || !header.from().equals(from)
                || !settings.members().contains(from)) {
            event("refused", "reason", "not-a-peer", "from", from);
            return;
        }
        if (header.epoch() < currentEpoch) {
            if (!(message instanceof Refused)) {
                send(
                        from,
                        new Refused(
                                header(),
                                "lower-epoch",
                                "epoch " + header.epoch() + " is below " + currentEpoch,
                                epochActive,
                                currentEpoch));
            }
            return;
        }
        if (header.epoch() > currentEpoch && !(message instanceof Handover)) {
            learnEpoch(header.epoch(), activeNamedBy(from, message), null);
        }
        switch (message) {
            case Subscribe subscribe -> onSubscribe(from, subscribe);
            case Entries entries -> onEntries(from, entries);
            case Heartbeat heartbeat -> onHeartbeat(from, heartbeat);
            case Ack ack -> onAck(from, ack);
            case Diverging diverging -> onDiverging(from, diverging);
            case NeedState needState -> onNeedState(from, needState);
            case StateRequest request -> onStateRequest(from);
            case Refused refused -> onRefused(from, refused);
            case HandoverOffer offer -> onHandoverOffer(from, offer);
            case HandoverReady ready -> onHandoverReady(from, ready);
            case Handover handoverMessage -> onHandover(from, handoverMessage);
            case HandoverAck ack -> onHandoverAck(from, ack);
            case FailsafeProbe probe -> onFailsafeProbe(from, probe);
            case FailsafeAnswer answer -> onFailsafeAnswer(from, answer);
            case HeardQuery query -> onHeardQuery(from);
            case HeardAnswer answer -> onHeardAnswer(from, answer);
            case StatusQuery query ->
                send(
                        from,
                        new StatusAnswer(
                                header(), state.name(), epochActive, log.lastIndex(), log.lastChecksum(), commitIndex));
            case StatusAnswer answer -> onStatusAnswer(from, answer);
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
            if (peer.equals(epochActive) && state == State.FOLLOWING) {
                nextSubscribeAt = now;
                subscribe();
            }
        } else {
            linksUp.remove(peer);
            Progress lost = progress.get(peer);
            if (lost != null) {
                lost.streaming = false;
            }
            if (peer.equals(streamFrom)) {
                streamFrom = null;
                nextSubscribeAt = now + 200 * MS;
            }
        }
    }

    // ---- the active's side of the stream

    private void onSubscribe(String from, Subscribe subscribe) {
        if (!isActiveOfEpoch()) {
            send(
                    from,
                    new Refused(
                            header(),
                            "not-active",
                            "this node is not the active of epoch " + currentEpoch,
                            epochActive,
                            currentEpoch));
            return;
        }
        if (subscribe.protocol() != PeerMessage.PROTOCOL) {
            send(
                    from,
                    new Refused(
                            header(),
                            "protocol-mismatch",
                            "this node speaks protocol " + PeerMessage.PROTOCOL + ", not " + subscribe.protocol(),
                            settings.self(),
                            currentEpoch));
            return;
        }
        Progress peer = progress.computeIfAbsent(from, name -> new Progress(NEVER));
        peer.lastContact = now;
        peer.streaming = false;
        long position = subscribe.lastIndex();
        if (position < log.base().index()) {
            send(from, new NeedState(header(), log.firstIndex(), commitIndex));
            return;
        }
        Checksum mine = log.checksumAt(position);
        if (mine == null || !mine.equals(subscribe.lastChecksum())) {
            long end = log.lastIndexOfEpochAtMost(subscribe.lastEntryEpoch(), Math.min(position, log.lastIndex()));
            send(from, new Diverging(header(), end, commitIndex));
            return;
        }
        peer.streaming = true;
        peer.matchIndex = position;
        peer.nextIndex = position + 1;
        if (writes.slot != null) {
            // The stream starts once the granted slot is stored; until then an empty batch confirms the position.
            sendEntries(from, position + 1, position);
            return;
        }
        long to = Math.min(log.lastIndex(), position + BATCH);
        sendEntries(from, position + 1, to);
        peer.nextIndex = to + 1;
        replicate();
    }

    private void onAck(String from, Ack ack) {
        Progress peer = progress.get(from);
        if (peer == null || !isActiveOfEpoch()) {
            return;
        }
        peer.lastContact = now;
        Checksum mine = log.checksumAt(ack.lastIndex());
        peer.matchIndex = mine != null && mine.equals(ack.lastChecksum())
                ? ack.lastIndex()
                : Math.min(peer.matchIndex, log.base().index());
        tryCommit();
        if (state == State.DEMOTING) {
            switchStep();
        }
    }

    private void onStateRequest(String from) {
        if (!isActiveOfEpoch()) {
            send(
                    from,
                    new Refused(
                            header(),
                            "not-active",
                            "this node is not the active of epoch " + currentEpoch,
                            epochActive,
                            currentEpoch));
            return;
        }
        Progress peer = progress.computeIfAbsent(from, name -> new Progress(NEVER));
        peer.streaming = false;
        peer.lastContact = now;
        if (writes.slot != null) {
            peer.wantsState = true;
            return;
        }
        sendState(from);
    }

    private void sendState(String to) {
        out.add(new SendState(
                to,
                header(),
                new StateSummary(log.base(), log.lastIndex(), log.lastEntryEpoch(), log.lastChecksum(), commitIndex)));
    }

    // ---- the standby's side of the stream

    private void follow() {
        streamFrom = null;
        probeIndex = -1;
        nextSubscribeAt = now;
        if (epochActive == null || epochActive.equals(settings.self())) {
            if (settings.leaseStore()) {
                nextPollAt = now;
            } else {
                nextStatusAt = now;
            }
            return;
        }
        subscribe();
    }

    private void subscribe() {
        if (state != State.FOLLOWING
                || epochActive == null
                || epochActive.equals(settings.self())
                || writes.slot != null) {
            return;
        }
        nextSubscribeAt = now + 1000 * MS;
        if (probeIndex >= 0 && probeIndex < log.base().index()) {
            // The fork search went below what this node still holds: the state transfer finds the fork.
            requestState();
            return;
        }
        long position = probeIndex >= 0 ? probeIndex : log.lastIndex();
        send(
                epochActive,
                new Subscribe(
                        header(),
                        position,
                        log.epochAt(position),
                        log.checksumAt(position),
                        commitIndex,
                        PeerMessage.PROTOCOL));
    }

    private boolean fromActive(String from, PeerMessage message) {
        return from.equals(epochActive) && message.header().epoch() == currentEpoch && state.role() == Role.STANDBY;
    }

    private void onEntries(String from, Entries entries) {
        if (!fromActive(from, entries)) {
            if (!from.equals(epochActive)) {
                send(
                        from,
                        new Refused(
                                header(),
                                "not-active",
                                from + " is not the active of epoch " + currentEpoch,
                                epochActive,
                                currentEpoch));
            }
            return;
        }
        if (state == State.TRANSFERRING || writes.slot != null) {
            return;
        }
        heardFromActive();
        knownCommit = Math.max(knownCommit, entries.commitIndex());
        long expected = streamFrom == null ? (probeIndex >= 0 ? probeIndex : log.lastIndex()) : verifiedUpTo;
        if (entries.prevIndex() != expected) {
            if (streamFrom != null) {
                send(
                        from,
                        new Refused(
                                header(),
                                "gap",
                                "expected entries after " + expected + ", got after " + entries.prevIndex(),
                                null,
                                0));
                streamFrom = null;
                nextSubscribeAt = now;
            }
            return;
        }
        Checksum mine = log.checksumAt(entries.prevIndex());
        if (mine == null || !mine.equals(entries.prevChecksum())) {
            send(
                    from,
                    new Refused(
                            header(), "chain-mismatch", "the entry at " + entries.prevIndex() + " differs", null, 0));
            streamFrom = null;
            nextSubscribeAt = now;
            return;
        }
        streamFrom = from;
        probeIndex = -1;
        List<LogEntry> fresh = new ArrayList<>();
        Checksum prev = entries.prevChecksum();
        long index = entries.prevIndex();
        for (LogEntry entry : entries.entries()) {
            if (entry.index() != index + 1
                    || !entry.follows(prev)
                    || entry.epoch() > entries.header().epoch()
                    || entry.epoch()
                            < (index >= log.firstIndex() || index == log.base().index() ? epochAtOrZero(index) : 0)) {
                send(
                        from,
                        new Refused(
                                header(), "truncated", "entry " + (index + 1) + " does not follow the chain", null, 0));
                event("refused", "reason", "truncated", "from", from, "index", index + 1);
                streamFrom = null;
                nextSubscribeAt = now;
                appendFresh(fresh);
                return;
            }
            if (fresh.isEmpty() && log.holds(entry.index())) {
                if (log.checksumAt(entry.index()).equals(entry.checksum())) {
                    prev = entry.checksum();
                    index = entry.index();
                    continue;
                }
                if (entry.index() <= commitIndex && entry.epoch() > log.epochAt(entry.index())) {
                    // A later epoch replaced entries this node saw committed: a failover that accepted loss
                    // (async with allowDataLoss, or a promote confirmed with acceptDataLoss). They are kept aside.
                    event(
                            "alert",
                            "detail",
                            "committed entries from " + entry.index() + " were replaced by epoch " + entry.epoch()
                                    + " after a failover that accepted loss; they are moved aside");
                    commitIndex = entry.index() - 1;
                    out.add(new Persist(new Commit(commitIndex, served)));
                    moveAside(entry.index());
                    return;
                }
                if (entry.index() <= commitIndex) {
                    send(
                            from,
                            new Refused(
                                    header(),
                                    "replayed",
                                    "entry " + entry.index() + " differs from a committed one",
                                    null,
                                    0));
                    event(
                            "alert",
                            "detail",
                            "entry " + entry.index() + " from " + from + " differs from a committed entry");
                    streamFrom = null;
                    nextSubscribeAt = now + 1000 * MS;
                    return;
                }
                moveAside(entry.index());
                return;
            }
            fresh.add(entry);
            prev = entry.checksum();
            index = entry.index();
        }
        appendFresh(fresh);
        verifiedUpTo = index;
        if (verifiedUpTo == entries.activeLastIndex() && log.lastIndex() > verifiedUpTo) {
            moveAside(verifiedUpTo + 1);
            return;
        }
        followerCommit(entries.commitIndex());
        ack();
    }

    private long epochAtOrZero(long index) {
        return index == log.base().index() || log.holds(index) ? log.epochAt(index) : 0;
    }

    private void appendFresh(List<LogEntry> fresh) {
        if (fresh.isEmpty()) {
            return;
        }
        out.add(new Persist(new Append(fresh)));
        String sync = null;
        boolean syncSeen = false;
        for (LogEntry entry : fresh) {
            log.append(entry.meta());
            if (entry.kind().equals(EntryKinds.SYNC_STANDBY)) {
                sync = syncName(entry.payload());
                syncSeen = true;
            }
        }
        if (syncSeen && !settings.leaseStore()) {
            applySyncFromLog(sync);
        }
    }

    /** §3.8: entries past the fork go to the diverged table in one transaction, then a state transfer. */
    private void moveAside(long fromIndex) {
        event("diverged", "fromIndex", fromIndex, "lastIndex", log.lastIndex(), "replacedBy", currentEpoch);
        out.add(new Persist(new MoveAside(fromIndex, currentEpoch)));
        log.truncateFrom(fromIndex);
        verifiedUpTo = Math.min(verifiedUpTo, log.lastIndex());
        requestState();
    }

    private void onHeartbeat(String from, Heartbeat heartbeat) {
        if (!fromActive(from, heartbeat)) {
            return;
        }
        heardFromActive();
        if (heartbeat.mayCommit()) {
            heardWritableAt = now;
        }
        knownCommit = Math.max(knownCommit, heartbeat.commitIndex());
        if (streamFrom == null) {
            if (state == State.FOLLOWING && now >= nextSubscribeAt) {
                subscribe();
            }
            return;
        }
        followerCommit(heartbeat.commitIndex());
    }

    private void heardFromActive() {
        if (handover != null) {
            finishHandover();
        }
    }

    private void followerCommit(long announced) {
        long index = Math.min(Math.min(announced, verifiedUpTo), log.lastIndex());
        if (streamFrom == null || index <= commitIndex || index < log.base().index()) {
            return;
        }
        commitIndex = index;
        ServedId identity = log.identityAt(index);
        boolean publish = identity.revision() > 0 && identity.isNewerThan(served);
        if (publish) {
            served = identity;
        }
        out.add(new Persist(new Commit(commitIndex, served)));
        if (publish) {
            out.add(new Publish(served));
        }
    }

    private void ack() {
        if (streamFrom == null) {
            return;
        }
        nextAckAt = now + timing.ackInterval();
        send(streamFrom, new Ack(header(), log.lastIndex(), log.lastChecksum(), serving));
    }

    private void onDiverging(String from, Diverging diverging) {
        if (!fromActive(from, diverging) || state == State.TRANSFERRING) {
            return;
        }
        knownCommit = Math.max(knownCommit, diverging.commitIndex());
        long position = probeIndex >= 0 ? probeIndex : log.lastIndex();
        long next = Math.min(diverging.endIndex(), position - 1);
        if (next < log.base().index()) {
            // Below what this node still holds: the state transfer's epoch history finds the fork.
            requestState();
            return;
        }
        probeIndex = next;
        nextSubscribeAt = now;
        subscribe();
    }

    private void onNeedState(String from, NeedState needState) {
        if (from.equals(epochActive) && state == State.FOLLOWING) {
            // What the active has committed tells this node how far behind it is: past maxServeLag it stops serving.
            knownCommit = Math.max(knownCommit, needState.commitIndex());
            requestState();
        }
    }

    private void requestState() {
        state = State.TRANSFERRING;
        streamFrom = null;
        probeIndex = -1;
        nextTransferAt = now + transferBackoff;
        if (epochActive != null && !epochActive.equals(settings.self())) {
            send(epochActive, new StateRequest(header()));
        }
    }

    private void stateStaged(StateStaged staged) {
        if (state != State.TRANSFERRING
                || !staged.from().equals(epochActive)
                || staged.header().epoch() != currentEpoch) {
            return;
        }
        StateSummary summary = staged.summary();
        boolean chainOk = staged.tail().size()
                        == summary.snapshotIndex() - summary.base().index()
                && (staged.tail().isEmpty()
                        ? summary.base().checksum().equals(summary.snapshotChecksum())
                        : staged.tail().get(staged.tail().size() - 1).checksum().equals(summary.snapshotChecksum()));
        if (!chainOk) {
            stateFailed(new StateFailed(
                    staged.at(), staged.from(), staged.header(), "the entries do not reach the snapshot's checksum"));
            return;
        }
        // Compacted entries were committed here; only what is still in the log can be moved aside.
        long fork =
                Math.min(Math.max(forkWith(summary, staged.tail()), log.base().index()), summary.snapshotIndex());
        if (log.base().index() > summary.snapshotIndex()) {
            event(
                    "alert",
                    "detail",
                    "entries up to " + log.base().index() + " were committed and compacted here, but the active "
                            + staged.from() + " holds only " + summary.snapshotIndex()
                            + ": a failover accepted their loss");
        }
        if (fork < log.lastIndex()) {
            event("diverged", "fromIndex", fork + 1, "lastIndex", log.lastIndex(), "replacedBy", currentEpoch);
            out.add(new Persist(new MoveAside(fork + 1, currentEpoch)));
            log.truncateFrom(fork + 1);
        }
        // What this node committed up to the fork stays committed: a new active may not have learnt it yet.
        long newCommit = Math.max(
                Math.min(commitIndex, fork),
                Math.max(summary.base().index(), Math.min(summary.commitIndex(), summary.snapshotIndex())));
        if (newCommit < commitIndex) {
            event(
                    "alert",
                    "detail",
                    "the state transfer from " + staged.from() + " commits " + newCommit + ", below this node's "
                            + commitIndex + ": entries committed here were lost by a failover that accepted loss");
        }
        out.add(new Persist(new InstallState(staged.transferId(), summary.base(), staged.tail(), newCommit)));
        log.install(summary.base(), staged.tail());
        commitIndex = newCommit;
        transferBackoff = 1000 * MS;
        state = State.FOLLOWING;
        verifiedUpTo = log.lastIndex();
        streamFrom = null;
        probeIndex = -1;
        ServedId identity = log.identityAt(commitIndex);
        if (identity.revision() > 0 && identity.isNewerThan(served)) {
            served = identity;
            out.add(new Persist(new Commit(commitIndex, served)));
            out.add(new Publish(served));
        }
        nextSubscribeAt = now;
        subscribe();
    }

    /**
     * The last index at which this node's log and the transferred one agree: entries are equal where
     * their epochs are (one creator per epoch), and this node's entries above it are moved aside.
     */
    private long forkWith(StateSummary summary, List<EntryMeta> tail) {
        long index = Math.min(log.lastIndex(), summary.snapshotIndex());
        for (; index >= log.base().index() && index > 0; index--) {
            long theirs = index > summary.base().index()
                    ? tail.get((int) (index - summary.base().index() - 1)).epoch()
                    : index == summary.base().index()
                            ? summary.base().entryEpoch()
                            : summary.base().epochAt(index);
            if (theirs == log.epochOfAny(index)) {
                return index;
            }
        }
        return Math.max(0, index);
    }

    private void stateFailed(StateFailed failed) {
        if (state != State.TRANSFERRING) {
            return;
        }
        send(failed.from(), new Refused(header(), "unverifiable-state", failed.reason(), null, 0));
        event("refused", "reason", "unverifiable-state", "from", failed.from(), "detail", failed.reason());
        transferBackoff = Math.min(transferBackoff * 2, 30_000 * MS);
        nextTransferAt = now + transferBackoff;
    }

    private void onRefused(String from, Refused refused) {
        event("refused-by-peer", "from", from, "reason", refused.reason(), "detail", refused.detail());
        if (refused.knownEpoch() > currentEpoch) {
            learnEpoch(refused.knownEpoch(), refused.knownActive(), null);
        } else if (state == State.FOLLOWING && from.equals(epochActive)) {
            streamFrom = null;
            if (refused.reason().equals("not-active")
                    && refused.knownActive() != null
                    && refused.knownEpoch() == currentEpoch) {
                learnActive(refused.knownActive());
            }
            nextSubscribeAt = now + 1000 * MS;
        }
    }

    // ---------------------------------------------------------------- switch-active (T13 to T18)

    private void operator(long replyId, Command command) {
        switch (command) {
            case SwitchActive switchActive -> switchActive(replyId, switchActive);
            case Promote promote -> promote(replyId, promote);
        }
    }

    private void switchActive(long replyId, SwitchActive command) {
        if (state != State.ACTIVE || !acceptsWritesAt(now)) {
            String why = state.role() == Role.STANDBY
                    ? "this node is a standby; the active is " + epochActive
                    : "this node does not accept writes now (" + state.name().toLowerCase(Locale.ROOT) + ")";
            out.add(new Reply(
                    replyId, new Refusal(state.role() == Role.STANDBY ? "misdirected" : "not-writable", why)));
            return;
        }
        if (switching != null) {
            out.add(new Reply(
                    replyId, new Refusal("switch-under-way", "a switch to " + switching.target() + " is under way")));
            return;
        }
        if (failsafeMode) {
            out.add(new Reply(
                    replyId, new Refusal("failsafe-active", "the lease store is unreachable: a switch needs it")));
            return;
        }
        String target = command.to() != null ? command.to() : caughtUp(null);
        if (target == null) {
            target = bestStandby();
        }
        Progress peer = target == null ? null : progress.get(target);
        if (target == null || !settings.members().contains(target) || target.equals(settings.self())) {
            out.add(new Reply(
                    replyId,
                    new Refusal(
                            "no-target",
                            command.to() == null
                                    ? "no standby is connected"
                                    : command.to() + " is not a standby of this cluster")));
            return;
        }
        if (peer == null || !peer.streaming || now - peer.lastContact > 1000 * MS) {
            out.add(new Reply(
                    replyId,
                    new Refusal("target-not-connected", target + " has not acknowledged within the last second")));
            return;
        }
        switching = new Switch(target, replyId, now, command.requestedBy());
        state = State.DEMOTING;
        roleChanged("switch-active to " + target, command.requestedBy());
        switchStep();
    }

    private String bestStandby() {
        String best = null;
        long bestMatch = -1;
        for (Map.Entry<String, Progress> entry : progress.entrySet()) {
            if (entry.getValue().streaming && entry.getValue().matchIndex > bestMatch) {
                best = entry.getKey();
                bestMatch = entry.getValue().matchIndex;
            }
        }
        return best;
    }

    /** T14: once every own entry is committed and the target holds them all, hand over. */
    private void switchStep() {
        if (state != State.DEMOTING || switching == null || writes.slot != null || !ownQueue.isEmpty()) {
            return;
        }
        Progress target = progress.get(switching.target());
        if (commitIndex != log.lastIndex() || target == null || target.matchIndex != log.lastIndex()) {
            return;
        }
        state = State.HANDING_OVER;
        handingOverSince = now;
        stopExporter();
        if (settings.leaseStore()) {
            if (leaseWrite != null || resolving != null) {
                // A renewal is in flight: its answer is awaited before the handover write, so there is one write at a
                // time.
                state = State.DEMOTING;
                return;
            }
            // In sync mode the old active holds every entry the target holds: it becomes the sync standby.
            String sync = settings.replication() == Replication.SYNC ? settings.self() : null;
            writeLease(
                    WriteKind.HANDOVER, lease(switching.target(), currentEpoch + 1, 0, sync), new Matches(leaseEtag));
        } else {
            send(switching.target(), new HandoverOffer(header(), log.lastIndex(), log.lastChecksum()));
        }
    }

    private void abortSwitch(String reason) {
        if (switching == null) {
            return;
        }
        out.add(new Reply(switching.replyId(), new Refusal("switch-aborted", reason)));
        event("switch-aborted", "target", switching.target(), "reason", reason);
        switching = null;
        if (state == State.DEMOTING || state == State.HANDING_OVER) {
            state = State.ACTIVE;
            if (!authorisedAt(now)) {
                fence("the lease lapsed during the aborted switch");
                return;
            }
            if (!exporting) {
                exporting = true;
                out.add(new StartExporter(currentEpoch));
            }
            roleChanged("switch aborted: " + reason, "");
            grant();
        }
    }

    /** T15: the lease names the target; this node follows it from the new epoch. */
    private void handedOver(String etag) {
        Switch done = switching;
        switching = null;
        String target = done.target();
        long newEpoch = currentEpoch + 1;
        setEpoch(newEpoch, target, RoleIntent.STANDBY);
        Handover message =
                new Handover(header(), newEpoch, target, log.lastIndex(), log.lastChecksum(), etag, done.requestedBy());
        handover = new HandoverSend(target, message, done.replyId(), done.startedAt(), now + 2000 * MS);
        nextHandoverAt = now + 500 * MS;
        demote("switched to " + target);
        send(target, message);
    }

    private void handoverTimers() {
        if (now >= handover.replyBy() && handover.replyId() >= 0) {
            out.add(new Reply(
                    handover.replyId(),
                    new Switched(
                            settings.self(),
                            handover.target(),
                            handover.message().newEpoch(),
                            now - handover.startedAt())));
            handover = new HandoverSend(
                    handover.target(), handover.message(), -1, handover.startedAt(), handover.replyBy());
        }
        if (currentEpoch > handover.message().newEpoch()) {
            handover = null;
            return;
        }
        if (now >= nextHandoverAt) {
            nextHandoverAt = now + 500 * MS;
            send(
                    handover.target(),
                    new Handover(
                            header(),
                            handover.message().newEpoch(),
                            handover.target(),
                            handover.message().lastIndex(),
                            handover.message().lastChecksum(),
                            handover.message().leaseEtag(),
                            handover.message().requestedBy()));
        }
    }

    private void onHandoverAck(String from, HandoverAck ack) {
        if (handover != null
                && from.equals(handover.target())
                && ack.newEpoch() == handover.message().newEpoch()) {
            finishHandover();
        }
    }

    private void finishHandover() {
        if (handover.replyId() >= 0) {
            out.add(new Reply(
                    handover.replyId(),
                    new Switched(
                            settings.self(),
                            handover.target(),
                            handover.message().newEpoch(),
                            now - handover.startedAt())));
            event(
                    "switched",
                    "to",
                    handover.target(),
                    "epoch",
                    handover.message().newEpoch(),
                    "tookMs",
                    (now - handover.startedAt()) / MS);
        }
        handover = null;
    }

    private void onHandoverOffer(String from, HandoverOffer offer) {
        Checksum mine = log.checksumAt(offer.lastIndex());
        boolean ready = fromActive(from, offer)
                && state == State.FOLLOWING
                && mine != null
                && mine.equals(offer.lastChecksum())
                && log.lastIndex() == offer.lastIndex();
        send(from, new HandoverReady(header(), log.lastIndex(), log.lastChecksum(), ready));
    }

    private void onHandoverReady(String from, HandoverReady ready) {
        if (state != State.HANDING_OVER || switching == null || !from.equals(switching.target())) {
            return;
        }
        if (!ready.ready()
                || ready.lastIndex() != log.lastIndex()
                || !ready.lastChecksum().equals(log.lastChecksum())) {
            abortSwitch(from + " does not hold every entry");
            return;
        }
        handedOver(null);
    }

    /** T18: the target takes the new epoch when it holds everything the old active held. */
    private void onHandover(String from, Handover message) {
        if (!message.newActive().equals(settings.self())) {
            if (message.header().epoch() > currentEpoch) {
                learnEpoch(message.header().epoch(), message.newActive(), null);
            }
            return;
        }
        if (message.newEpoch() == currentEpoch && settings.self().equals(epochActive)) {
            send(from, new HandoverAck(header(), currentEpoch));
            return;
        }
        boolean epochKnownActiveNot = message.newEpoch() == currentEpoch
                && state.role() == Role.STANDBY
                && (epochActive == null || epochActive.equals(settings.self()));
        if (message.newEpoch() < currentEpoch || message.newEpoch() == currentEpoch && !epochKnownActiveNot) {
            return;
        }
        Checksum mine = log.checksumAt(message.lastIndex());
        if (mine == null || !mine.equals(message.lastChecksum())) {
            send(
                    from,
                    new Refused(
                            header(),
                            "handover-mismatch",
                            "this node does not hold entry " + message.lastIndex() + " as the old active does",
                            null,
                            0));
            event("alert", "detail", "a handover from " + from + " names entries this node does not hold");
            return;
        }
        setEpoch(message.newEpoch(), settings.self(), RoleIntent.ACTIVE);
        becomePromoting(new EpochStart("switch", message.requestedBy(), false, false, from));
        writeNotBefore = NEVER;
        if (settings.leaseStore()) {
            handoverFrom = from;
            long renewal = 1;
            writeLease(
                    WriteKind.CONFIRM,
                    lease(settings.self(), currentEpoch, renewal, from),
                    new Matches(message.leaseEtag()));
        } else {
            send(from, new HandoverAck(header(), currentEpoch));
            lead();
        }
    }

    /** After a refused confirmation: renew on the version that names this node, or follow a higher epoch. */
    private void confirmRead(LeaseAnswer answer) {
        if (!(answer instanceof Found found)) {
            if (state == State.PROMOTING) {
                read(ReadPurpose.CONFIRM);
            }
            return;
        }
        Lease lease = found.lease();
        if (lease.holder().equals(settings.self()) && lease.epoch() == currentEpoch && leaseWrite == null) {
            writeLease(WriteKind.CONFIRM, confirmLease(lease), new Matches(found.etag()));
        }
    }

    // ---------------------------------------------------------------- failsafe (T8, T9, T25, T28)

    private void failsafeRoundStart() {
        failsafeRound++;
        failsafeRoundSentAt = now;
        failsafeConfirmed.clear();
        nextFailsafeAt = now + timing.renewInterval();
        for (String other : settings.others()) {
            send(other, new FailsafeProbe(header(), failsafeRound));
        }
    }

    private void onFailsafeAnswer(String from, FailsafeAnswer answer) {
        if (!failsafeMode
                || answer.round() != failsafeRound
                || answer.header().epoch() != currentEpoch
                || answer.taken()) {
            return;
        }
        failsafeConfirmed.add(from);
        if (failsafeConfirmed.containsAll(settings.others())) {
            failsafeUntil = Math.max(failsafeUntil, failsafeRoundSentAt + timing.ttl() - timing.safetyMargin());
        }
    }

    private void onFailsafeProbe(String from, FailsafeProbe probe) {
        boolean taking = leaseWrite != null
                        && (leaseWrite.kind() == WriteKind.TAKEOVER || leaseWrite.kind() == WriteKind.PROMOTE)
                || resolving != null
                        && (resolving.kind() == WriteKind.TAKEOVER || resolving.kind() == WriteKind.PROMOTE);
        boolean fromItsActive = from.equals(epochActive) && state.role() == Role.STANDBY;
        if (!taking && fromItsActive) {
            promisedUntil = Math.max(promisedUntil, now + w());
        }
        send(from, new FailsafeAnswer(header(), probe.round(), taking || !fromItsActive));
    }

    // ---------------------------------------------------------------- automatic takeover (T22 to T24)

    private void takeoverCheck() {
        if (!probeOk
                || state != State.FOLLOWING
                || leaseWrite != null
                || resolving != null
                || observed == null
                || observedEtag == null) {
            return;
        }
        Lease lease = observed;
        // The lease's sync standby means something only in sync mode: an async holder commits without it.
        boolean syncSelf =
                lease.replication() == Replication.SYNC && settings.self().equals(lease.syncStandby());
        boolean lossy = lease.syncStandby() == null && lease.allowDataLoss() && settings.allowDataLoss();
        boolean eligible = (syncSelf || lossy)
                && now - observedSince >= timing.takeoverWait(lease)
                && now >= promisedUntil
                && now >= deferUntil
                && lease.failsafeMembers().contains(settings.self())
                && lease.epoch() >= currentEpoch
                && !lease.holder().equals(settings.self());
        if (!eligible) {
            heardRoundSentAt = NEVER;
            return;
        }
        List<String> askable = settings.others().stream()
                .filter(name -> !name.equals(lease.holder()))
                .toList();
        if (!askable.isEmpty()) {
            if (heardRoundSentAt == NEVER) {
                heardRound++;
                heardRoundSentAt = now;
                heardAnswers.clear();
                for (String other : askable) {
                    send(other, new HeardQuery(header()));
                }
                return;
            }
            if (heardAnswers.size() < askable.size() && now - heardRoundSentAt < timing.callTimeout()) {
                return;
            }
            heardRoundSentAt = NEVER;
            for (HeardAnswer answer : heardAnswers.values()) {
                if (answer.heardAgoNanos() >= 0 && answer.heardAgoNanos() < timing.ttl()) {
                    event("takeover-vetoed", "by", answer.header().from(), "heardAgoMs", answer.heardAgoNanos() / MS);
                    return;
                }
                if (lossy && better(answer)) {
                    deferUntil = now + timing.leasePoll();
                    return;
                }
            }
        }
        Lease taken = lease(settings.self(), lease.epoch() + 1, 0, null);
        writeLease(WriteKind.TAKEOVER, taken, new Matches(observedEtag));
    }

    private boolean better(HeardAnswer answer) {
        if (answer.lastEntryEpoch() != log.lastEntryEpoch()) {
            return answer.lastEntryEpoch() > log.lastEntryEpoch();
        }
        if (answer.lastIndex() != log.lastIndex()) {
            return answer.lastIndex() > log.lastIndex();
        }
        return answer.header().from().compareTo(settings.self()) < 0;
    }

    private void onHeardQuery(String from) {
        long ago = heardWritableAt == NEVER ? -1 : now - heardWritableAt;
        send(from, new HeardAnswer(header(), ago, log.lastIndex(), log.lastEntryEpoch()));
    }

    private void onHeardAnswer(String from, HeardAnswer answer) {
        if (heardRoundSentAt != NEVER) {
            heardAnswers.put(from, answer);
        }
    }

    /** T24: the takeover landed; the new epoch starts with a gap of one revision number (§3.6). */
    private void tookOver(LeaseOp op) {
        boolean loss = observed == null
                || observed.replication() != Replication.SYNC
                || !settings.self().equals(observed.syncStandby());
        String previous = observed == null ? "" : observed.holder();
        setEpoch(op.lease().epoch(), settings.self(), RoleIntent.ACTIVE);
        authUntil = op.sentAt() + timing.ttl() - timing.safetyMargin();
        nextRenewAt = op.sentAt() + timing.renewInterval();
        applySync(null);
        becomePromoting(new EpochStart("failover", "", loss, true, previous));
        writeNotBefore = NEVER;
        event("failover", "epoch", currentEpoch, "previous", previous, "lossAccepted", loss);
        lead();
    }

    // ---------------------------------------------------------------- promote (T26, T27)

    private void promote(long replyId, Promote command) {
        PromoteReport report = promoteReport(command);
        if (command.dryRun() || report.refusal() != null) {
            out.add(new Reply(
                    replyId,
                    command.dryRun() ? report : new Refusal(report.refusal().split(":")[0], report.refusal())));
            return;
        }
        promoteReply = replyId;
        promoteCommand = command;
        if (settings.leaseStore()) {
            read(ReadPurpose.PROMOTE);
        } else {
            forcedPromote();
        }
    }

    private PromoteReport promoteReport(Promote command) {
        boolean sync;
        String source;
        long leaseCommitted = -1;
        if (settings.leaseStore() && observed != null) {
            sync = observed.replication() == Replication.SYNC
                    && settings.self().equals(observed.syncStandby())
                    && observed.epoch() == currentEpoch;
            source = "lease";
            leaseCommitted = observed.committedIndex();
        } else if (!settings.leaseStore()) {
            sync = settings.self().equals(syncKnown);
            source = "log";
        } else {
            sync = false;
            source = "unknown";
        }
        // Without a lease store the log's record may be older than the active's: an active drops a silent
        // sync standby after syncTimeout and then commits alone. So only the lease can prove "no loss".
        boolean mayLose = !sync || settings.replication() == Replication.ASYNC || !settings.leaseStore();
        String refusal = null;
        if (state.role() != Role.STANDBY && state != State.FENCED) {
            refusal = "already-active: this node is the active of epoch " + currentEpoch;
        } else if (state == State.TRANSFERRING) {
            refusal = "transferring: this node is receiving a state transfer";
        } else if (mayLose && !command.acceptDataLoss()) {
            refusal = settings.leaseStore()
                    ? "confirm-data-loss: this node is not the recorded sync standby; acknowledged writes may be lost"
                    : "confirm-data-loss: without a lease store this node cannot know that the active did not drop it as "
                            + "sync standby and commit alone; acknowledged writes may be lost";
        } else if (currentEpoch == 0) {
            refusal = "never-followed: this node has never followed an active and holds nothing to serve";
        } else if (!settings.leaseStore() && !command.oldActiveIsDown()) {
            refusal =
                    "no-witness: without a lease store only the operator can fence the old active; give oldActiveIsDown once it is stopped";
        } else if (promoteReply >= 0) {
            refusal = "promote-under-way: a promote is already running";
        }
        return new PromoteReport(
                sync, source, Math.max(0, knownCommit - log.lastIndex()), leaseCommitted, mayLose, refusal);
    }

    private void promoteRead(LeaseAnswer answer) {
        if (promoteReply < 0) {
            return;
        }
        Promote command = promoteCommand;
        switch (answer) {
            case Found found -> {
                if (state.role() != Role.STANDBY) {
                    replyPromote(new Refusal("already-active", "this node leads epoch " + currentEpoch));
                    return;
                }
                if (now < promisedUntil && !command.oldActiveIsDown()) {
                    replyPromote(new Refusal(
                            "failsafe-promise",
                            "this node promised the active, within the last " + Timing.text(w())
                                    + ", not to take the lease while the store was unreachable for it"));
                    return;
                }
                Lease fresh = found.lease();
                boolean sync = fresh.replication() == Replication.SYNC
                        && settings.self().equals(fresh.syncStandby())
                        && fresh.epoch() == currentEpoch;
                if (!sync && !command.acceptDataLoss()) {
                    replyPromote(
                            new Refusal(
                                    "confirm-data-loss",
                                    "the lease (epoch " + fresh.epoch() + ") does not name this node as "
                                            + "the sync standby: acknowledged writes may be lost; confirm with acceptDataLoss"));
                    return;
                }
                promoteReplacedSince = found.etag().equals(observedEtag) ? observedSince : now;
                Lease taken = lease(settings.self(), found.lease().epoch() + 1, 0, null);
                observed = found.lease();
                writeLease(WriteKind.PROMOTE, taken, new Matches(found.etag()));
            }
            default -> {
                if (command.oldActiveIsDown()) {
                    forcedPromote();
                } else {
                    replyPromote(new Refusal(
                            "lease-unwritable",
                            "the lease store did not answer a read; give oldActiveIsDown once the "
                                    + "old active is stopped"));
                }
            }
        }
    }

    private void replyPromote(OperatorAnswer answer) {
        if (promoteReply >= 0) {
            out.add(new Reply(promoteReply, answer));
        }
        promoteReply = -1;
        promoteCommand = null;
    }

    private void promoted(LeaseOp op) {
        boolean loss = promoteReport(promoteCommand == null ? new Promote(false, true, true, "") : promoteCommand)
                .mayLoseAcknowledgedWrites();
        String requestedBy = promoteCommand == null ? "" : promoteCommand.requestedBy();
        String previous = observed == null ? "" : observed.holder();
        setEpoch(op.lease().epoch(), settings.self(), RoleIntent.ACTIVE);
        authUntil = op.sentAt() + timing.ttl() - timing.safetyMargin();
        nextRenewAt = op.sentAt() + timing.renewInterval();
        writeNotBefore = promoteReplacedSince + timing.takeoverWait(observed);
        applySync(null);
        becomePromoting(new EpochStart("promote", requestedBy, loss, true, previous));
        event(
                "promoted",
                "epoch",
                currentEpoch,
                "requestedBy",
                requestedBy,
                "lossAccepted",
                loss,
                "writesFromMs",
                Math.max(0, writeNotBefore - now) / MS);
        replyPromote(new Promoted(currentEpoch, loss));
        lead();
    }

    /** T27: the operator has checked that the old active is stopped; the epoch alone fences it. */
    private void forcedPromote() {
        if (promoteCommand != null && !promoteCommand.acceptDataLoss()) {
            replyPromote(new Refusal(
                    "confirm-data-loss",
                    "the lease cannot be read, so whether this node holds every "
                            + "acknowledged write is unknown; confirm with acceptDataLoss"));
            return;
        }
        // The witness could not be read: nothing proves that this node holds every acknowledged write.
        boolean loss = true;
        String requestedBy = promoteCommand == null ? "" : promoteCommand.requestedBy();
        String previous = epochActive == null ? "" : epochActive;
        setEpoch(forcedEpoch(), settings.self(), RoleIntent.ACTIVE);
        forced = settings.leaseStore();
        nextPollAt = now;
        applySync(null);
        becomePromoting(new EpochStart("promote-forced", requestedBy, loss, true, previous));
        writeNotBefore = NEVER;
        event("promoted", "epoch", currentEpoch, "requestedBy", requestedBy, "lossAccepted", loss, "forced", true);
        replyPromote(new Promoted(currentEpoch, loss));
        lead();
    }

    /**
     * A forced promotion cannot ask anyone which epochs exist: while this node was cut off the cluster
     * may have moved on by a few epochs, each one by one. It skips {@value #FORCED_EPOCH_STRIDE} so that
     * it never reuses an epoch number another node created (an epoch has one creator, I6).
     */
    private long forcedEpoch() {
        long known = Math.max(currentEpoch, Math.max(log.lastEntryEpoch(), observed == null ? 0 : observed.epoch()));
        return known + FORCED_EPOCH_STRIDE;
    }

    /** T36: a forced active claims the lease at its epoch once the store answers again. */
    private void claimRead(LeaseAnswer answer) {
        if (!forced || !(answer instanceof Found found)) {
            if (forced && answer instanceof Missing) {
                writeLease(
                        WriteKind.CLAIM, lease(settings.self(), currentEpoch, 0, syncStandby), new Condition.Absent());
            }
            return;
        }
        Lease lease = found.lease();
        if (lease.epoch() < currentEpoch) {
            writeLease(
                    WriteKind.CLAIM, lease(settings.self(), currentEpoch, 0, syncStandby), new Matches(found.etag()));
        } else if (lease.epoch() == currentEpoch && lease.holder().equals(settings.self())) {
            leaseEtag = found.etag();
            leaseMine = lease;
            forced = false;
            authUntil = NEVER;
            holderWrite();
        }
    }

    // ---------------------------------------------------------------- status rounds (T2), serving, events

    private void statusRound() {
        nextStatusAt = now + 1000 * MS;
        statusAnswered.clear();
        for (String other : settings.others()) {
            send(other, new StatusQuery(header()));
        }
    }

    private void onStatusAnswer(String from, StatusAnswer answer) {
        if (answer.header().epoch() < currentEpoch) {
            return;
        }
        if (state == State.FOLLOWING
                && !settings.leaseStore()
                && settings.self().equals(answer.epochActive())
                && answer.header().epoch() == currentEpoch
                && !settings.self().equals(epochActive)) {
            // The old active persisted "this epoch is yours" before its handover was lost: its record,
            // with every entry it held, is the handover (T14′ persisted only after HandoverReady).
            Checksum mine = log.checksumAt(answer.lastIndex());
            if (mine != null && mine.equals(answer.lastChecksum())) {
                setEpoch(currentEpoch, settings.self(), RoleIntent.ACTIVE);
                becomePromoting(new EpochStart("switch", "", false, false, from));
                writeNotBefore = NEVER;
                send(from, new HandoverAck(header(), currentEpoch));
                lead();
            }
            return;
        }
        if (state.role() == Role.STANDBY
                && answer.epochActive() != null
                && answer.header().epoch() == currentEpoch
                && (epochActive == null || epochActive.equals(settings.self()))) {
            learnActive(answer.epochActive());
            return;
        }
        if (state == State.FENCED && !settings.leaseStore()) {
            if (answer.epochActive() != null
                    && !answer.epochActive().equals(epochActive)
                    && answer.header().epoch() == currentEpoch
                    && currentEpoch > 0) {
                event(
                        "alert",
                        "detail",
                        from + " names " + answer.epochActive() + " as the active of epoch " + currentEpoch);
                return;
            }
            statusAnswered.add(from);
            if (statusAnswered.containsAll(settings.others())) {
                leadAfterStart();
            }
        }
    }

    private void afterInput() {
        if (state.writerState() && writes.slot == null) {
            flushOwn();
        }
        boolean now2 = computeServing();
        if (now2 != serving) {
            serving = now2;
            out.add(new SetServing(serving, servingReason));
        }
    }

    private boolean computeServing() {
        if (state.role() != Role.STANDBY) {
            servingReason = "";
            return true;
        }
        long missing = Math.max(0, knownCommit - log.lastIndex());
        if (missing > timing.maxServeLag()) {
            servingReason = "lagging: " + missing + " committed entries missing";
            return false;
        }
        ServedId identity = commitIndex >= log.base().index() && commitIndex <= log.lastIndex()
                ? log.identityAt(commitIndex)
                : served;
        if (served.isNewerThan(identity)) {
            servingReason = "behind-served";
            return false;
        }
        servingReason = "";
        return true;
    }

    private void roleChanged(String reason, String requestedBy) {
        out.add(new RoleChanged(state.role(), state, currentEpoch, reason, requestedBy));
    }

    private void event(String name, Object... fields) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            map.put(String.valueOf(fields[i]), fields[i + 1]);
        }
        out.add(new Event(name, map));
    }
}
