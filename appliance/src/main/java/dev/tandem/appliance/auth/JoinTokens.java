package dev.tandem.appliance.auth;

import dev.tandem.appliance.store.Database;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

/**
 * One-time join tokens: a data plane presents one, with a CSR, to obtain its client certificate for
 * one node group (the seeds' relay identity token). A token works once, and only until it expires;
 * redeeming it is one conditional UPDATE, so two data planes racing with the same token cannot both win.
 */
public final class JoinTokens {

    /** Why a token was refused, in words an operator can act on. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;

        Refused(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        /** For metrics: unknown-token, used-token, expired-token. */
        public String reason() {
            return reason;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    static final String PREFIX = "tjn_";

    private final Database database;

    public JoinTokens(Database database) {
        this.database = database;
    }

    /**
     * Creates a token for {@code nodeGroup}, valid until {@code expiresAt}, in the caller's
     * transaction; returns it (shown once).
     */
    public String create(Connection c, String nodeGroup, Instant expiresAt, String createdBy, Instant now) throws SQLException {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO join_token (token_hash, node_group, expires_at, created_at, "
                + "created_by) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, AdminTokens.hash(token));
            ps.setString(2, nodeGroup);
            ps.setObject(3, expiresAt.atOffset(ZoneOffset.UTC));
            ps.setObject(4, now.atOffset(ZoneOffset.UTC));
            ps.setString(5, createdBy);
            ps.executeUpdate();
        }
        return token;
    }

    /**
     * Redeems {@code token} for {@code nodeId} in the caller's transaction: returns its node group, or
     * says why it cannot be used.
     */
    public String redeem(Connection c, String token, String nodeId, Instant now) throws SQLException, Refused {
        if (!token.startsWith(PREFIX) || token.length() > 100) {
            throw new Refused("unknown-token", "the join token is not one this cluster issued");
        }
        String hash = AdminTokens.hash(token);
        String group;
        OffsetDateTime expires;
        OffsetDateTime used;
        try (PreparedStatement ps = c.prepareStatement("SELECT node_group, expires_at, used_at FROM join_token WHERE token_hash = ?")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Refused("unknown-token", "the join token is not one this cluster issued");
                }
                group = rs.getString(1);
                expires = rs.getObject(2, OffsetDateTime.class);
                used = rs.getObject(3, OffsetDateTime.class);
            }
        }
        if (used != null) {
            throw new Refused("used-token", "the join token was already used at " + used.toInstant() + "; create a new one");
        }
        if (!now.isBefore(expires.toInstant())) {
            throw new Refused("expired-token", "the join token expired at " + expires.toInstant() + "; create a new one");
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE join_token SET used_at = ?, used_by = ? WHERE token_hash = ? AND used_at IS NULL")) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            ps.setString(2, nodeId);
            ps.setString(3, hash);
            if (ps.executeUpdate() != 1) {
                throw new Refused("used-token", "the join token was already used; create a new one");
            }
        }
        return group;
    }
}
