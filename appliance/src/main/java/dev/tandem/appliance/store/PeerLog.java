package dev.tandem.appliance.store;

import dev.tandem.peers.Checksum;
import dev.tandem.peers.DurableChange;
import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.DurableChange.Commit;
import dev.tandem.peers.DurableChange.CompactTo;
import dev.tandem.peers.DurableChange.InstallState;
import dev.tandem.peers.DurableChange.MoveAside;
import dev.tandem.peers.DurableChange.SetEpoch;
import dev.tandem.peers.DurableChange.SetSync;
import dev.tandem.peers.DurableState;
import dev.tandem.peers.EntryKinds;
import dev.tandem.peers.EntryMeta;
import dev.tandem.peers.EpochSpan;
import dev.tandem.peers.LogBase;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.ServedId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's place in the replicated log and its entries, in H2 ({@code peer_state},
 * {@code peer_log}, {@code peer_diverged}): the durable state of ADR 0014 §2.2. Each change the
 * machine asks for is one {@link Database#write} (fsynced before it returns), and an entry is
 * stored in the same transaction as its effect on the replicated tables.
 */
public final class PeerLog {
    private final Database database;
    private final Clock clock;
    /** Verified state transfers, by the id the machine was given, until it installs one (§3.7). */
    private final Map<Long, StateImage> staged = new ConcurrentHashMap<>();

    private final List<Consumer<Set<String>>> replicated = new CopyOnWriteArrayList<>();

    public PeerLog(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * The durable state to start the machine from. On the first start with the log (a new node, or
     * one upgraded from a version without it) the log is empty and its base stands for what the
     * tables already hold: revision numbers go on from the newest stored one.
     */
    public DurableState restore(String cluster, RoleIntent firstIntent) throws SQLException {
        Optional<DurableState> stored = read();
        if (stored.isPresent()) {
            return stored.get();
        }
        long newest;
        try (Connection c = database.connection();
                ResultSet rs = c.createStatement().executeQuery("SELECT COALESCE(MAX(number), 0) FROM revision")) {
            rs.next();
            newest = rs.getLong(1);
        }
        LogBase base = new LogBase(0, 0, Checksum.genesis(cluster), new ServedId(0, newest, 0), newest, List.of());
        DurableState fresh =
                new DurableState(0, null, firstIntent, base, List.of(), 0, new ServedId(0, newest, 0), null);
        database.write(c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO peer_state (id, current_epoch, epoch_active, role_intent,"
                            + " commit_index, served_epoch, served_revision, served_index, sync_standby, base_index, base_entry_epoch,"
                            + " base_checksum, base_identity_epoch, base_identity_revision, base_max_revision, base_epochs)"
                            + " VALUES (1, 0, NULL, ?, 0, 0, ?, 0, NULL, 0, 0, ?, 0, ?, ?, '')")) {
                ps.setString(1, firstIntent.name());
                ps.setLong(2, newest);
                ps.setBytes(3, base.checksum().bytes());
                ps.setLong(4, newest);
                ps.setLong(5, newest);
                ps.executeUpdate();
            }
            return null;
        });
        return fresh;
    }

    private Optional<DurableState> read() throws SQLException {
        try (Connection c = database.connection();
                ResultSet rs = c.createStatement().executeQuery("SELECT * FROM peer_state WHERE id = 1")) {
            if (!rs.next()) {
                return Optional.empty();
            }
            LogBase base = new LogBase(
                    rs.getLong("base_index"),
                    rs.getLong("base_entry_epoch"),
                    Checksum.of(rs.getBytes("base_checksum")),
                    new ServedId(
                            rs.getLong("base_identity_epoch"),
                            rs.getLong("base_identity_revision"),
                            rs.getLong("base_index")),
                    rs.getLong("base_max_revision"),
                    epochs(rs.getString("base_epochs")));
            List<EntryMeta> entries = new ArrayList<>();
            try (ResultSet log = c.createStatement()
                    .executeQuery("SELECT idx, epoch, kind, revision, checksum FROM peer_log ORDER BY idx")) {
                while (log.next()) {
                    entries.add(new EntryMeta(
                            log.getLong(2),
                            log.getLong(1),
                            log.getString(3),
                            log.getLong(4),
                            Checksum.of(log.getBytes(5))));
                }
            }
            return Optional.of(new DurableState(
                    rs.getLong("current_epoch"),
                    rs.getString("epoch_active"),
                    RoleIntent.valueOf(rs.getString("role_intent")),
                    base,
                    entries,
                    rs.getLong("commit_index"),
                    new ServedId(rs.getLong("served_epoch"), rs.getLong("served_revision"), rs.getLong("served_index")),
                    rs.getString("sync_standby")));
        }
    }

    /**
     * Called, after the transaction is on disk, with the replicated tables that entries from the
     * active (or a state transfer) changed: what caches a table (the deny list) reads it again.
     */
    public void onReplicated(Consumer<Set<String>> listener) {
        replicated.add(listener);
    }

    /** Makes one change of the machine durable before it returns. */
    public void persist(DurableChange change) throws SQLException {
        Set<String> changed = new TreeSet<>();
        write(change, changed);
        if (!changed.isEmpty()) {
            replicated.forEach(listener -> listener.accept(Set.copyOf(changed)));
        }
    }

    private void write(DurableChange change, Set<String> changed) throws SQLException {
        database.write(c -> {
            switch (change) {
                case SetEpoch set ->
                    update(
                            c,
                            "current_epoch = ?, epoch_active = ?, role_intent = ?",
                            set.epoch(),
                            set.epochActive(),
                            set.roleIntent().name());
                case Commit commit ->
                    update(
                            c,
                            "commit_index = ?, served_epoch = ?, served_revision = ?, served_index = ?",
                            commit.commitIndex(),
                            commit.served().epoch(),
                            commit.served().revision(),
                            commit.served().index());
                case SetSync sync -> update(c, "sync_standby = ?", sync.syncStandby());
                case Append append -> {
                    for (LogEntry entry : append.entries()) {
                        applyAndStore(c, entry).forEach(rowChange -> changed.add(rowChange.table()));
                    }
                }
                case CompactTo compact -> {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM peer_log WHERE idx <= ?")) {
                        ps.setLong(1, compact.base().index());
                        ps.executeUpdate();
                    }
                    setBase(c, compact.base());
                }
                case MoveAside moveAside -> moveAside(c, moveAside);
                case InstallState install -> {
                    install(c, install);
                    changed.addAll(ReplicatedTables.NAMES);
                }
            }
            return null;
        });
    }

    /**
     * Stores an entry and applies the row changes it carries, in the caller's transaction: an entry
     * received from the active, or one the machine wrote itself.
     */
    private static List<RowChange> applyAndStore(Connection c, LogEntry entry) throws SQLException {
        List<RowChange> changes = List.of();
        if (!entry.kind().equals(EntryKinds.EPOCH_START) && !entry.kind().equals(EntryKinds.SYNC_STANDBY)) {
            changes = RowChanges.decode(entry.payload());
            ReplicatedTables.apply(c, changes);
        }
        store(c, entry, OffsetDateTime.now(ZoneOffset.UTC));
        return changes;
    }

    /** Stores an entry the application made (its row changes already applied in this transaction). */
    public void store(Connection c, LogEntry entry) throws SQLException {
        store(c, entry, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC));
    }

    private static void store(Connection c, LogEntry entry, OffsetDateTime at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO peer_log (idx, epoch, kind, revision, payload, checksum, written_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, entry.index());
            ps.setLong(2, entry.epoch());
            ps.setString(3, entry.kind());
            ps.setLong(4, entry.revision());
            ps.setBytes(5, entry.payload());
            ps.setBytes(6, entry.checksum().bytes());
            ps.setObject(7, at);
            ps.executeUpdate();
        }
    }

    /** Entries {@code from..to} with their payloads, to send to a standby. */
    public List<LogEntry> entries(long from, long to) throws SQLException {
        try (Connection c = database.connection()) {
            return entries(c, from, to);
        }
    }

    private static List<LogEntry> entries(Connection c, long from, long to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT idx, epoch, kind, revision, payload, checksum FROM peer_log WHERE idx BETWEEN ? AND ? ORDER BY idx")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                List<LogEntry> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new LogEntry(
                            rs.getLong(2),
                            rs.getLong(1),
                            rs.getString(3),
                            rs.getLong(4),
                            rs.getBytes(5),
                            Checksum.of(rs.getBytes(6))));
                }
                return out;
            }
        }
    }

    /** What this node moved aside when it rejoined a new active (§3.8), oldest first. */
    public List<DivergedEntry> diverged() throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT epoch, idx, kind, revision, replaced_by_epoch, written_at, moved_at FROM peer_diverged"
                                + " ORDER BY moved_at, idx");
                ResultSet rs = ps.executeQuery()) {
            List<DivergedEntry> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new DivergedEntry(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getObject(6, OffsetDateTime.class).toInstant(),
                        rs.getObject(7, OffsetDateTime.class).toInstant()));
            }
            return out;
        }
    }

    /** The row changes of the entry moved aside at {@code (epoch, index)}; empty when there is none. */
    public Optional<List<RowChange>> divergedChanges(long epoch, long index) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT payload FROM peer_diverged WHERE epoch = ? AND idx = ?")) {
            ps.setLong(1, epoch);
            ps.setLong(2, index);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(RowChanges.decode(rs.getBytes(1))) : Optional.empty();
            }
        }
    }

    /**
     * Drops the entry moved aside at {@code (epoch, index)}, once an operator has dealt with it (it is
     * this node's own record: the table is not replicated). Whether there was one.
     */
    public boolean clearDiverged(long epoch, long index) throws SQLException {
        return database.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM peer_diverged WHERE epoch = ? AND idx = ?")) {
                ps.setLong(1, epoch);
                ps.setLong(2, index);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** This node's schema version, which a state image must carry to be installed here. */
    public String schemaVersion() throws SQLException {
        try (Connection c = database.connection()) {
            return Database.schemaVersion(c);
        }
    }

    /**
     * The state a standby installs to reach this node's log position (ADR 0014 §3.7): the replicated
     * tables and the entries after {@code base} up to {@code snapshotIndex}, read in one transaction.
     * Called on the machine thread while no write is in flight, so the tables hold exactly the
     * effects of the entries up to {@code snapshotIndex}.
     */
    public StateImage image(LogBase base, long snapshotIndex) throws SQLException {
        return database.read(c -> new StateImage(
                StateImage.FORMAT,
                Database.schemaVersion(c),
                ReplicatedTables.image(c),
                entries(c, base.index() + 1, snapshotIndex)));
    }

    /** Keeps a verified image until the machine installs it as {@code transferId}. */
    public void stage(long transferId, StateImage image) {
        staged.put(transferId, image);
    }

    /**
     * One transaction: the replicated tables become the image's, the log becomes its tail after
     * {@code base}, and the commit index the machine chose. A crash leaves the old state or the new.
     */
    private void install(Connection c, InstallState install) throws SQLException {
        StateImage image = staged.remove(install.transferId());
        if (image == null) {
            throw new SQLException("state transfer " + install.transferId() + " was not staged on this node");
        }
        List<EntryMeta> metas = image.tail().stream().map(LogEntry::meta).toList();
        if (!metas.equals(install.tail())) {
            throw new SQLException(
                    "state transfer " + install.transferId() + ": the entries to install are not the" + " ones staged");
        }
        ReplicatedTables.replaceAll(c, image.tables());
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM peer_log")) {
            delete.executeUpdate();
        }
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        for (LogEntry entry : image.tail()) {
            store(c, entry, now);
        }
        setBase(c, install.base());
        update(c, "commit_index = ?", install.commitIndex());
    }

    private void moveAside(Connection c, MoveAside moveAside) throws SQLException {
        try (PreparedStatement copy =
                c.prepareStatement("INSERT INTO peer_diverged (epoch, idx, kind, revision, payload, checksum,"
                        + " written_at, replaced_by_epoch, moved_at) SELECT epoch, idx, kind, revision, payload, checksum, written_at, ?, ?"
                        + " FROM peer_log WHERE idx >= ?")) {
            copy.setLong(1, moveAside.replacedByEpoch());
            copy.setObject(2, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC));
            copy.setLong(3, moveAside.fromIndex());
            copy.executeUpdate();
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM peer_log WHERE idx >= ?")) {
            delete.setLong(1, moveAside.fromIndex());
            delete.executeUpdate();
        }
    }

    private static void setBase(Connection c, LogBase base) throws SQLException {
        update(
                c,
                "base_index = ?, base_entry_epoch = ?, base_checksum = ?, base_identity_epoch = ?, base_identity_revision = ?,"
                        + " base_max_revision = ?, base_epochs = ?",
                base.index(),
                base.entryEpoch(),
                base.checksum().bytes(),
                base.identity().epoch(),
                base.identity().revision(),
                base.maxRevision(),
                epochsText(base.epochs()));
    }

    private static void update(Connection c, String set, Object... values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE peer_state SET " + set + " WHERE id = 1")) {
            for (int i = 0; i < values.length; i++) {
                ps.setObject(i + 1, values[i]);
            }
            if (ps.executeUpdate() != 1) {
                throw new SQLException("peer_state has no row: the log was never restored");
            }
        }
    }

    static String epochsText(List<EpochSpan> epochs) {
        return String.join(
                ",",
                epochs.stream()
                        .map(span -> span.epoch() + ":" + span.firstIndex())
                        .toList());
    }

    static List<EpochSpan> epochs(String text) {
        List<EpochSpan> out = new ArrayList<>();
        for (String part : text.isBlank() ? new String[0] : text.split(",")) {
            String[] pair = part.trim().split(":");
            out.add(new EpochSpan(Long.parseLong(pair[0]), Long.parseLong(pair[1])));
        }
        return out;
    }
}
