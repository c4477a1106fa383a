package dev.tandem.appliance.auth;

import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Every client certificate the cluster CA issued, and the deny list: {@code tandem cert revoke} marks
 * a serial revoked, the xDS server refuses it from then on (the set is held in memory, so the check
 * on each new stream costs a hash lookup) and ends the streams it already serves.
 */
public final class IssuedCertificates {

    /** A certificate as the API lists it. */
    public record Issued(
            String serial,
            String identity,
            String nodeGroup,
            String nodeId,
            Instant issuedAt,
            Instant expiresAt,
            String issuedBy,
            String renewedFrom,
            Instant revokedAt,
            String revokedBy,
            String revokeReason) {}

    /** Why a revocation was refused. */
    public static final class UnknownSerial extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownSerial(String message) {
            super(message);
        }
    }

    private final Database database;
    private volatile Set<String> revoked;
    private final List<Consumer<String>> revocationListeners = new CopyOnWriteArrayList<>();

    public IssuedCertificates(Database database) throws SQLException {
        this.database = database;
        this.revoked = revokedSerials();
    }

    private Set<String> revokedSerials() throws SQLException {
        Set<String> serials = new HashSet<>();
        try (Connection c = database.connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT serial FROM certificate WHERE revoked_at IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                serials.add(rs.getString(1));
            }
        }
        return Set.copyOf(serials);
    }

    /**
     * Reads the deny list again after the table changed under this node: a standby's certificates
     * change by replication (a revocation on the active, or a state transfer), not by {@link #revoke}.
     * Each serial newly revoked is handed to the revocation listeners, as a local revocation is.
     */
    public void reload() throws SQLException {
        Set<String> added = new HashSet<>();
        synchronized (this) {
            Set<String> now = revokedSerials();
            now.stream().filter(serial -> !revoked.contains(serial)).forEach(added::add);
            revoked = now;
        }
        added.forEach(serial -> revocationListeners.forEach(listener -> listener.accept(serial)));
    }

    /** Lower-case hex, without leading zeros: how serials are stored and compared. */
    public static String normalize(String serial) {
        String s = serial.trim().toLowerCase(Locale.ROOT).replace(":", "");
        if (s.startsWith("0x")) {
            s = s.substring(2);
        }
        return new BigInteger(s, 16).toString(16);
    }

    public boolean isRevoked(BigInteger serial) {
        return revoked.contains(serial.toString(16));
    }

    /** Called with each serial revoked from now on (the xDS server ends its streams). */
    public void onRevocation(Consumer<String> listener) {
        revocationListeners.add(listener);
    }

    /**
     * Records an issued certificate in the caller's transaction (a join token's use and the
     * certificate it bought commit together); {@code joinTokenHash} names the token, or is null.
     */
    public static void record(
            Connection c,
            String serial,
            String identity,
            String nodeGroup,
            String nodeId,
            Instant issuedAt,
            Instant expiresAt,
            String issuedBy,
            String renewedFrom,
            String joinTokenHash)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO certificate (serial, identity, node_group, node_id, issued_at, "
                        + "expires_at, issued_by, renewed_from, join_token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, serial);
            ps.setString(2, identity);
            ps.setString(3, nodeGroup);
            ps.setString(4, nodeId);
            ps.setObject(5, issuedAt.atOffset(ZoneOffset.UTC));
            ps.setObject(6, expiresAt.atOffset(ZoneOffset.UTC));
            ps.setString(7, issuedBy);
            ps.setString(8, renewedFrom);
            ps.setString(9, joinTokenHash);
            ps.executeUpdate();
        }
    }

    public Optional<Issued> find(String serial) throws SQLException {
        List<Issued> found = query("WHERE serial = ?", normalize(serial));
        return found.stream().findFirst();
    }

    /** Newest first. */
    public List<Issued> list() throws SQLException {
        return query("ORDER BY issued_at DESC, serial", null);
    }

    /**
     * Puts {@code serial} on the deny list, with the audit entry {@code event} in the same transaction;
     * returns the certificate as it is now. Streams of the certificate are ended only once that is on
     * disk. Revoking a revoked certificate changes nothing and is not an error.
     */
    public Issued revoke(
            String serial,
            String by,
            String reason,
            Instant now,
            AuditLog audit,
            Function<Issued, AuditLog.Event> event)
            throws SQLException, UnknownSerial {
        String s = normalize(serial);
        Issued issued = audit.audited(
                "certificate",
                c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE certificate SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE serial = ? AND revoked_at IS NULL")) {
                        ps.setObject(1, now.atOffset(ZoneOffset.UTC));
                        ps.setString(2, by);
                        ps.setString(3, reason);
                        ps.setString(4, s);
                        ps.executeUpdate();
                    }
                    return query(c, "WHERE serial = ?", s).stream()
                            .findFirst()
                            .orElseThrow(() -> new UnknownSerial("no certificate with serial " + s
                                    + " was issued by this cluster (tandem cert list shows them)"));
                },
                event);
        synchronized (this) {
            Set<String> next = new HashSet<>(revoked);
            next.add(s);
            revoked = Set.copyOf(next);
        }
        revocationListeners.forEach(listener -> listener.accept(s));
        return issued;
    }

    private List<Issued> query(String where, String parameter) throws SQLException {
        try (Connection c = database.connection()) {
            return query(c, where, parameter);
        }
    }

    private static List<Issued> query(Connection c, String where, String parameter) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT serial, identity, node_group, node_id, issued_at, expires_at, "
                        + "issued_by, renewed_from, revoked_at, revoked_by, revoke_reason FROM certificate " + where)) {
            if (parameter != null) {
                ps.setString(1, parameter);
            }
            List<Issued> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Issued(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            instant(rs, 5),
                            instant(rs, 6),
                            rs.getString(7),
                            rs.getString(8),
                            instant(rs, 9),
                            rs.getString(10),
                            rs.getString(11)));
                }
            }
            return out;
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
