package dev.tandem.appliance.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Revisions in H2. Numbers are assigned here, one more than the newest, inside the insert's
 * transaction; the primary key refuses a second writer of the same number.
 */
public final class RevisionStore {

    private final Database database;

    public RevisionStore(Database database) {
        this.database = database;
    }

    /**
     * The number the next revision gets. The one writer ({@code RevisionWriter}, under its lock) numbers
     * a revision before it builds its snapshots, and stores it under that number.
     */
    public long nextNumber() throws SQLException {
        try (Connection c = database.connection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(number), 0) + 1 FROM revision")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Stores {@code documents} as revision {@code number} in the caller's transaction ({@link Database#write}).
     * The primary key refuses a number that is taken: a second writer fails rather than overwrites.
     */
    public Revision append(
            Connection c,
            long number,
            String documents,
            int documentCount,
            String appliedBy,
            String appliedFrom,
            Instant at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO revision "
                        + "(number, documents, document_count, applied_by, applied_from, applied_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, number);
            ps.setString(2, documents);
            ps.setInt(3, documentCount);
            ps.setString(4, truncate(appliedBy));
            ps.setString(5, truncate(appliedFrom));
            ps.setObject(6, at.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
        return new Revision(number, documents, documentCount, truncate(appliedBy), truncate(appliedFrom), at);
    }

    /**
     * Keeps the contents of the files revision {@code number}'s Secrets name, as read when it was
     * applied, in the caller's transaction: the revision is then served from them, whatever the
     * host's files hold later.
     */
    public void keepSecretFiles(Connection c, long number, SortedMap<String, String> files) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO revision_secret_file (revision_number, path, content) VALUES (?, ?, ?)")) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                ps.setLong(1, number);
                ps.setString(2, file.getKey());
                ps.setString(3, file.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE revision SET secret_files_kept = TRUE WHERE number = ?")) {
            ps.setLong(1, number);
            ps.executeUpdate();
        }
    }

    /**
     * The secret files kept with revision {@code number}, by path; empty when the revision was stored
     * before they were kept (its Secrets are then read from the host's files).
     */
    public Optional<SortedMap<String, String>> secretFiles(long number) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement kept = c.prepareStatement("SELECT secret_files_kept FROM revision WHERE number = ?");
                PreparedStatement files = c.prepareStatement(
                        "SELECT path, content FROM revision_secret_file WHERE revision_number = ?")) {
            kept.setLong(1, number);
            try (ResultSet rs = kept.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return Optional.empty();
                }
            }
            files.setLong(1, number);
            SortedMap<String, String> out = new TreeMap<>();
            try (ResultSet rs = files.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString("path"), rs.getString("content"));
                }
            }
            return Optional.of(out);
        }
    }

    public Optional<Revision> latest() throws SQLException {
        return one("SELECT * FROM revision ORDER BY number DESC LIMIT 1", null);
    }

    public Optional<Revision> get(long number) throws SQLException {
        return one("SELECT * FROM revision WHERE number = ?", number);
    }

    /** Newest first, without the documents (they can be large); at most {@code limit}. */
    public List<Revision> list(int limit) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT number, '' AS documents, document_count, applied_by, "
                        + "applied_from, applied_at FROM revision ORDER BY number DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<Revision> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(read(rs));
                }
                return out;
            }
        }
    }

    private Optional<Revision> one(String sql, Long number) throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            if (number != null) {
                ps.setLong(1, number);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static Revision read(ResultSet rs) throws SQLException {
        return new Revision(
                rs.getLong("number"),
                rs.getString("documents"),
                rs.getInt("document_count"),
                rs.getString("applied_by"),
                rs.getString("applied_from"),
                rs.getObject("applied_at", OffsetDateTime.class).toInstant());
    }

    private static String truncate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200);
    }
}
