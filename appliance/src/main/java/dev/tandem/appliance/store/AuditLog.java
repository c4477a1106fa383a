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

/**
 * The audit log in H2: one entry per write (apply, and later token, certificate, role and peer
 * changes). Entries are only ever added. Details never hold secrets: callers pass summaries.
 */
public final class AuditLog {

    /** One write. {@code revision} is {@code null} when the write made none. */
    public record Entry(long id, Instant at, String actor, String origin, String action, String detail, Long revision) {
    }

    private final Database database;

    public AuditLog(Database database) {
        this.database = database;
    }

    public void record(Instant at, String actor, String origin, String action, String detail, Long revision) throws SQLException {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO audit (at, actor, origin, action, detail, revision) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, at.atOffset(ZoneOffset.UTC));
            ps.setString(2, clip(actor, 200));
            ps.setString(3, clip(origin, 200));
            ps.setString(4, clip(action, 64));
            ps.setString(5, clip(detail, 2000));
            if (revision == null) {
                ps.setNull(6, Types.BIGINT);
            } else {
                ps.setLong(6, revision);
            }
            ps.executeUpdate();
        }
    }

    /** Newest first: at most {@code limit} entries with an id below {@code before} (paging), or the newest. */
    public List<Entry> page(long before, int limit) throws SQLException {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?")) {
            ps.setLong(1, before);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<Entry> out = new ArrayList<>();
                while (rs.next()) {
                    long revision = rs.getLong("revision");
                    out.add(new Entry(rs.getLong("id"), rs.getObject("at", OffsetDateTime.class).toInstant(), rs.getString("actor"),
                            rs.getString("origin"), rs.getString("action"), rs.getString("detail"),
                            rs.wasNull() ? null : revision));
                }
                return out;
            }
        }
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
