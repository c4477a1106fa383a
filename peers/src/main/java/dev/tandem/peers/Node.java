package dev.tandem.peers;

import dev.tandem.peers.Action.Event;
import dev.tandem.peers.Action.Persist;
import dev.tandem.peers.Action.Publish;
import dev.tandem.peers.Action.RoleChanged;
import dev.tandem.peers.Action.Send;
import dev.tandem.peers.DurableChange.Commit;
import dev.tandem.peers.DurableChange.SetEpoch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One node as every part of its {@link PeerMachine} sees it: the settings, the log, the durable state
 * mirrored here (§2.2), the state it is in, the clock of the input being handled and the actions that
 * input produces. It also holds the parts, so that each reaches the others through it. Like the
 * machine, it is single-threaded and pure.
 */
final class Node {
    static final long NEVER = Long.MIN_VALUE / 4;
    static final long MS = 1_000_000L;

    final NodeSettings settings;
    final Timing timing;
    final LogIndex log;
    /** The actions of the input being handled, in the order the driver executes them (§7.3). */
    final List<Action> out = new ArrayList<>();

    final ClientWrites writes = new ClientWrites();

    final Roles roles;
    final Authority authority;
    final Failsafe failsafe;
    final LeaseKeeper lease;
    final LeaseWrites leaseWrites;
    final Leader leader;
    final Appender appender;
    final Replicator replicator;
    final SyncStandby sync;
    final Follower follower;
    final StateTransfer transfer;
    final Switchover switchover;
    final Takeover takeover;
    final Promotion promotion;

    // Durable, mirrored here (§2.2).
    long currentEpoch;
    String epochActive;
    RoleIntent roleIntent;
    long commitIndex;
    ServedId served;
    String syncKnown;

    State state = State.FOLLOWING;
    String bootId = "";
    long now;
    long wallNow;
    boolean serving;
    /** What the active of this epoch announced it has committed: the entries this node misses of it. */
    long knownCommit;
    /** The sync standby of the epoch this node leads (§3.4); {@link #syncKnown} is the durable record. */
    String syncStandby;

    private long sequence;

    Node(NodeSettings settings, Timing timing, DurableState restored) {
        this.settings = settings;
        this.timing = timing;
        this.log = new LogIndex(restored.base(), restored.entries());
        this.currentEpoch = restored.currentEpoch();
        this.epochActive = restored.epochActive();
        this.roleIntent = restored.roleIntent();
        this.commitIndex = restored.commitIndex();
        this.served = restored.served();
        this.syncKnown = restored.syncStandby();
        this.roles = new Roles(this);
        this.authority = new Authority(this);
        this.failsafe = new Failsafe(this);
        this.lease = new LeaseKeeper(this);
        this.leaseWrites = new LeaseWrites(this);
        this.leader = new Leader(this);
        this.appender = new Appender(this);
        this.replicator = new Replicator(this);
        this.sync = new SyncStandby(this);
        this.follower = new Follower(this);
        this.transfer = new StateTransfer(this);
        this.switchover = new Switchover(this);
        this.takeover = new Takeover(this);
        this.promotion = new Promotion(this);
    }

    /** Lease request ids and lease write ids count from one sequence of this incarnation. */
    long nextSequence() {
        return ++sequence;
    }

    boolean isActiveOfEpoch() {
        return settings.self().equals(epochActive) && state.role() == Role.ACTIVE || state == State.STANDALONE;
    }

    // ---------------------------------------------------------------- epochs (T12, T18)

    void setEpoch(long epoch, String active, RoleIntent intent) {
        persist(new SetEpoch(epoch, active, intent));
        if (epoch != currentEpoch || !Objects.equals(active, epochActive)) {
            // knownMissing counts what the active of this epoch announced, not what an earlier one did.
            knownCommit = 0;
        }
        currentEpoch = epoch;
        epochActive = active;
        roleIntent = intent;
    }

    /** Commits up to {@code index}, and publishes it when it is a revision newer than the one served. */
    void commitTo(long index) {
        commitIndex = index;
        ServedId identity = log.identityAt(index);
        boolean publish = identity.revision() > 0 && identity.isNewerThan(served);
        if (publish) {
            served = identity;
        }
        persist(new Commit(commitIndex, served));
        if (publish) {
            out.add(new Publish(served));
        }
    }

    // ---------------------------------------------------------------- actions (§4.4, §7.2)

    Header header() {
        return new Header(settings.cluster(), currentEpoch, settings.self(), wallNow);
    }

    void send(String to, PeerMessage message) {
        out.add(new Send(to, message));
    }

    void persist(DurableChange change) {
        out.add(new Persist(change));
    }

    void roleChanged(String reason, String requestedBy) {
        out.add(new RoleChanged(state.role(), state, currentEpoch, reason, requestedBy));
    }

    void event(String name, Object... fields) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            map.put(String.valueOf(fields[i]), fields[i + 1]);
        }
        out.add(new Event(name, map));
    }
}
