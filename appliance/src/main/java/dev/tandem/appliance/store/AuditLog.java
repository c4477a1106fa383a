package dev.tandem.appliance.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The audit log in H2: one entry per write (apply, token, certificate and role changes). Entries are
 * only ever added. Details never hold secrets: callers pass summaries. A write and its entry are one
 * transaction ({@link #audited}): there is never a change without its entry, or an entry without its change.
 */
public final class AuditLog {

    /** One write, as stored. {@code revision} is {@code null} when the write made none. */
    public record Entry(
            long id, Instant at, String actor, String origin, String action, String detail, Long revision) {}

    /** What a write records about itself. */
    public record Event(Instant at, String actor, String origin, String action, String detail, Long revision) {

        public static Event of(Instant at, String actor, String origin, String action, String detail) {
            return new Event(at, actor, origin, action, detail, null);
        }
    }

    private final Database database;
    private final LoggedWrites writes;

    public AuditLog(Database database, LoggedWrites writes) {
        this.database = database;
        this.writes = writes;
    }

    /**
     * Runs {@code work} and records the event it describes (built from its result) in the same
     * transaction, as one entry of the replicated log of kind {@code kind}; returns once committed
     * and on disk. A refusal ({@code E}) or failure of the work records nothing.
     */
    public <T, E extends Exception> T audited(String kind, Database.Work<T, E> work, Function<T, Event> event)
            throws SQLException, E {
        return writes.write(kind, (c, slot) -> work.run(c), event);
    }

    /** The log writes go through: a revision needs its slot's number. */
    public LoggedWrites writes() {
        return writes;
    }

    /** Records {@code event} in the caller's transaction. */
    public static void record(Connection c, Event event) throws SQLException {
        // The id is taken here, not from the column's identity: an entry's ids travel in the log, so they
        // are the same on every peer, and a promoted standby goes on from the highest (writes are serialized).
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO audit (id, at, actor, origin, action, detail, revision)"
                        + " VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM audit), ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, event.at().atOffset(ZoneOffset.UTC));
            ps.setString(2, clip(event.actor(), 200));
            ps.setString(3, clip(event.origin(), 200));
            ps.setString(4, clip(event.action(), 64));
            ps.setString(5, clip(event.detail(), 2000));
            if (event.revision() == null) {
                ps.setNull(6, Types.BIGINT);
            } else {
                ps.setLong(6, event.revision());
            }
            ps.executeUpdate();
        }
    }

    /** Whether an entry of {@code action} with exactly {@code detail} is recorded. */
    public boolean recorded(String action, String detail) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT 1 FROM audit WHERE action = ? AND detail = ? FETCH FIRST 1 ROWS ONLY")) {
            ps.setString(1, clip(action, 64));
            ps.setString(2, clip(detail, 2000));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Newest first: at most {@code limit} entries with an id below {@code before} (paging), or the newest. */
    public List<Entry> page(long before, int limit) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?")) {
            ps.setLong(1, before);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<Entry> out = new ArrayList<>();
                while (rs.next()) {
                    long revision = rs.getLong("revision");
                    // wasNull speaks of the column read last: ask it before reading the others.
                    Long revisionOrNull = rs.wasNull() ? null : revision;
                    out.add(new Entry(
                            rs.getLong("id"),
                            rs.getObject("at", OffsetDateTime.class).toInstant(),
                            rs.getString("actor"),
                            rs.getString("origin"),
                            rs.getString("action"),
                            rs.getString("detail"),
                            revisionOrNull));
                }
                return out;
            }
        }
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
