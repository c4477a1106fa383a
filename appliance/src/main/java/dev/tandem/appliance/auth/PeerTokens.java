package dev.tandem.appliance.auth;

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
 * Peer tokens: a new host presents one to join the cluster as a peer ({@code tandem peer join}) and
 * receives the cluster CA and the export-signing key. A token works once, and only until it expires;
 * only its hash is kept. Its use is a replicated write (ADR 0014 §3.2): once used on one peer it is
 * used on every peer.
 */
public final class PeerTokens {

    static final String PREFIX = "tpj_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Creates a token valid until {@code expiresAt}, in the caller's transaction; returns it (shown once). */
    public String create(Connection c, Instant expiresAt, String createdBy, Instant now) throws SQLException {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO peer_token (token_hash, expires_at, created_at, created_by) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, AdminTokens.hash(token));
            ps.setObject(2, expiresAt.atOffset(ZoneOffset.UTC));
            ps.setObject(3, now.atOffset(ZoneOffset.UTC));
            ps.setString(4, createdBy);
            ps.executeUpdate();
        }
        return token;
    }

    /**
     * Uses {@code token} for member {@code name} in the caller's transaction (the row locked, so two
     * hosts racing with one token never both join).
     */
    public void redeem(Connection c, String token, String name, Instant now) throws SQLException, TokenRefused {
        if (!token.startsWith(PREFIX) || token.length() > 100) {
            throw new TokenRefused("unknown-token", "the peer token is not one this cluster issued");
        }
        String hash = AdminTokens.hash(token);
        OffsetDateTime expires;
        OffsetDateTime usedAt;
        String usedBy;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT expires_at, used_at, used_by FROM peer_token WHERE token_hash = ? FOR UPDATE")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new TokenRefused("unknown-token", "the peer token is not one this cluster issued");
                }
                expires = rs.getObject(1, OffsetDateTime.class);
                usedAt = rs.getObject(2, OffsetDateTime.class);
                usedBy = rs.getString(3);
            }
        }
        if (usedAt != null) {
            throw new TokenRefused(
                    "used-token",
                    "the peer token was already used at " + usedAt.toInstant() + " by '" + usedBy
                            + "'; create a new one (tandem peer token create)");
        }
        if (!now.isBefore(expires.toInstant())) {
            throw new TokenRefused(
                    "expired-token",
                    "the peer token expired at " + expires.toInstant()
                            + "; create a new one (tandem peer token create)");
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE peer_token SET used_at = ?, used_by = ? WHERE token_hash = ? AND used_at IS NULL")) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            ps.setString(2, name);
            ps.setString(3, hash);
            if (ps.executeUpdate() != 1) {
                throw new TokenRefused("used-token", "the peer token was already used; create a new one");
            }
        }
    }
}
