package dev.tandem.appliance.auth;

import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.h2.api.ErrorCode;

/**
 * Bearer tokens of the admin API, kept in H2 as SHA-256 hashes (a token is 256 random bits, so a fast
 * hash is enough: there is nothing to guess). A token is shown once, when it is created.
 */
public final class AdminTokens {

    /** Who a valid token belongs to. */
    public record Holder(String name, Role role) {}

    /** A token's public facts, for listing. */
    public record Info(String name, Role role, Instant createdAt, String createdBy) {}

    static final String PREFIX = "tdm_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database database;

    public AdminTokens(Database database) {
        this.database = database;
    }

    /**
     * On a store with no token at all, creates {@code initial-admin} and writes it to {@code file}
     * (0600) so that the operator on this host can use the API; returns whether it did. The file is on
     * disk before the token is stored: a crash between the two leaves no token, and the next start
     * makes a new one, rather than a stored token nobody can read.
     */
    public boolean createInitialAdmin(AuditLog audit, Path file, Instant now) throws SQLException, IOException {
        if (!list().isEmpty()) {
            return false;
        }
        String token = newToken();
        DurableFiles.write(file, (token + "\n").getBytes(StandardCharsets.US_ASCII), DurableFiles.ownerOnly(), true);
        audit.audited(
                "admin-token",
                c -> {
                    insert(c, "initial-admin", Role.ADMIN, token, "first start", now);
                    return token;
                },
                created -> AuditLog.Event.of(
                        now,
                        "first start",
                        "local",
                        "admin-token-create",
                        "initial-admin (admin), its token written to " + file));
        return true;
    }

    /**
     * Creates a token in the caller's transaction and returns it: the only time it is ever shown.
     *
     * @throws IllegalArgumentException when {@code name} is taken
     */
    public String create(Connection c, String name, Role role, String createdBy, Instant now) throws SQLException {
        String token = newToken();
        insert(c, name, role, token, createdBy, now);
        return token;
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void insert(Connection c, String name, Role role, String token, String createdBy, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO admin_token (name, role, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, role.name());
            ps.setString(3, hash(token));
            ps.setObject(4, now.atOffset(ZoneOffset.UTC));
            ps.setString(5, createdBy.length() > 200 ? createdBy.substring(0, 200) : createdBy);
            ps.executeUpdate();
        } catch (SQLException e) {
            if (e.getErrorCode() == ErrorCode.DUPLICATE_KEY_1) {
                throw new IllegalArgumentException("a token named '" + name + "' exists already");
            }
            throw e;
        }
    }

    /** The holder of {@code token}, or empty for anything that is not a current token. */
    public Optional<Holder> holder(String token) throws SQLException {
        if (!token.startsWith(PREFIX) || token.length() > 100) {
            return Optional.empty();
        }
        try (Connection c = database.connection();
                PreparedStatement ps = c.prepareStatement("SELECT name, role FROM admin_token WHERE token_hash = ?")) {
            ps.setString(1, hash(token));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Holder(rs.getString(1), Role.valueOf(rs.getString(2))))
                        : Optional.empty();
            }
        }
    }

    public List<Info> list() throws SQLException {
        try (Connection c = database.connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT name, role, created_at, created_by FROM admin_token ORDER BY name");
                ResultSet rs = ps.executeQuery()) {
            List<Info> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Info(
                        rs.getString(1),
                        Role.valueOf(rs.getString(2)),
                        rs.getObject(3, OffsetDateTime.class).toInstant(),
                        rs.getString(4)));
            }
            return out;
        }
    }

    /** Why a change to the tokens was refused. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * Deletes the token {@code name}, with the audit entry {@code event}, in one transaction: calls
     * with it are refused from the next one on. The last admin token is kept (without one, nobody
     * could create tokens again): the count and the change run under one lock until committed, so
     * two revocations at once cannot both see a second admin.
     */
    public synchronized void revoke(AuditLog audit, String name, AuditLog.Event event) throws SQLException, Refused {
        audit.audited(
                "admin-token",
                c -> {
                    keepLastAdmin(c, name, null);
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM admin_token WHERE name = ?")) {
                        ps.setString(1, name);
                        ps.executeUpdate();
                    }
                    return name;
                },
                revoked -> event);
    }

    /**
     * Gives the token {@code name} another role, with its audit entry, in one transaction under the
     * same lock as {@link #revoke}; returns the role it had. The last admin keeps its role.
     */
    public synchronized Role changeRole(AuditLog audit, String name, Role role, Function<Role, AuditLog.Event> event)
            throws SQLException, Refused {
        return audit.audited(
                "admin-token",
                c -> {
                    Role current = keepLastAdmin(c, name, role);
                    try (PreparedStatement ps = c.prepareStatement("UPDATE admin_token SET role = ? WHERE name = ?")) {
                        ps.setString(1, role.name());
                        ps.setString(2, name);
                        ps.executeUpdate();
                    }
                    return current;
                },
                event);
    }

    /**
     * The role {@code name} has; refused when it is the last admin token and would not be one after
     * the change ({@code after}: its new role, or null when it goes).
     */
    private static Role keepLastAdmin(Connection c, String name, Role after) throws SQLException, Refused {
        Role current = roleOf(c, name);
        if (current == Role.ADMIN && after != Role.ADMIN && admins(c) == 1) {
            throw new Refused("'" + name + "' is the last admin token; create another admin token first");
        }
        return current;
    }

    private static Role roleOf(Connection c, String name) throws SQLException, Refused {
        try (PreparedStatement ps = c.prepareStatement("SELECT role FROM admin_token WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Refused("there is no token named '" + name + "' (tandem admin-token list shows them)");
                }
                return Role.valueOf(rs.getString(1));
            }
        }
    }

    private static int admins(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM admin_token WHERE role = 'ADMIN'");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static String hash(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
