package dev.tandem.appliance.auth;

import dev.tandem.appliance.pki.DataPlaneIdentity;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

/**
 * Join tokens: a data plane presents one, with a CSR, to obtain its client certificate for one node
 * group (the seeds' relay identity token). A token works a given number of times (once by default;
 * N for an autoscaled fleet of identical data planes), each time for another node id, and only until
 * it expires. A use is counted and its certificate recorded in one transaction, the token's row
 * locked, so data planes racing with the same token never get more than N certificates between them.
 */
public final class JoinTokens {

    static final String PREFIX = "tjn_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Creates a token for {@code nodeGroup}, valid until {@code expiresAt} for {@code maxUses} joins
     * (each for another node id), in the caller's transaction; returns it (shown once).
     */
    public String create(Connection c, String nodeGroup, int maxUses, Instant expiresAt, String createdBy, Instant now)
            throws SQLException {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO join_token (token_hash, node_group, expires_at, created_at, "
                        + "created_by, max_uses) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, AdminTokens.hash(token));
            ps.setString(2, nodeGroup);
            ps.setObject(3, expiresAt.atOffset(ZoneOffset.UTC));
            ps.setObject(4, now.atOffset(ZoneOffset.UTC));
            ps.setString(5, createdBy);
            ps.setInt(6, maxUses);
            ps.executeUpdate();
        }
        return token;
    }

    /** Signs the certificate one use of a token buys, for the token's node group; called inside the redeeming transaction. */
    @FunctionalInterface
    public interface Signer {
        X509Certificate sign(String nodeGroup);
    }

    /** What one use of a token bought: use {@code use} of {@code maxUses}. */
    public record Redeemed(DataPlaneIdentity identity, X509Certificate certificate, int use, int maxUses) {}

    /**
     * Redeems one use of {@code token} for {@code nodeId} in the caller's transaction: counts the use,
     * signs the certificate ({@code signer}) and records it, so that with the transaction a crash
     * leaves neither a use without its certificate nor a certificate without its use. TokenRefused when the
     * token is unknown, expired, used up, or already issued a certificate for {@code nodeId}.
     */
    public Redeemed redeem(Connection c, String token, String nodeId, Instant now, Signer signer)
            throws SQLException, TokenRefused {
        if (!token.startsWith(PREFIX) || token.length() > 100) {
            throw new TokenRefused("unknown-token", "the join token is not one this cluster issued");
        }
        return redeemHashed(c, AdminTokens.hash(token), nodeId, now, signer);
    }

    private static Redeemed redeemHashed(Connection c, String hash, String nodeId, Instant now, Signer signer)
            throws SQLException, TokenRefused {
        String group;
        OffsetDateTime expires;
        OffsetDateTime used;
        int maxUses;
        int uses;
        // FOR UPDATE: a second redeemer of the same token waits for this transaction, then sees its use.
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT node_group, expires_at, used_at, max_uses, uses FROM join_token WHERE token_hash = ? FOR UPDATE")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new TokenRefused("unknown-token", "the join token is not one this cluster issued");
                }
                group = rs.getString(1);
                expires = rs.getObject(2, OffsetDateTime.class);
                used = rs.getObject(3, OffsetDateTime.class);
                maxUses = rs.getInt(4);
                uses = rs.getInt(5);
            }
        }
        if (uses >= maxUses) {
            throw new TokenRefused(
                    "used-token",
                    maxUses == 1
                            ? "the join token was already used at " + used.toInstant() + "; create a new one"
                            : "the join token was used all " + maxUses + " times (last at " + used.toInstant()
                                    + "); create a new one");
        }
        if (!now.isBefore(expires.toInstant())) {
            throw new TokenRefused(
                    "expired-token", "the join token expired at " + expires.toInstant() + "; create a new one");
        }
        String earlier = serialIssued(c, hash, nodeId);
        if (earlier != null) {
            throw nodeIdTaken(nodeId, earlier);
        }
        // Whatever token a data plane holds, it may not take the identity of a node of the group that
        // still has a valid certificate: its NACK state, status and halts would be the other's.
        String live = liveSerial(c, group, nodeId, now);
        if (live != null) {
            throw new TokenRefused(
                    "node-id-taken",
                    "node id '" + nodeId + "' of node group '" + group + "' has a valid certificate "
                            + "(serial " + live
                            + "); give this data plane its own --node-id, or revoke that certificate first "
                            + "(tandem cert revoke " + live + ")");
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE join_token SET uses = uses + 1, used_at = ?, used_by = ? WHERE token_hash = ? AND uses < max_uses")) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            ps.setString(2, nodeId);
            ps.setString(3, hash);
            if (ps.executeUpdate() != 1) {
                throw new TokenRefused("used-token", "the join token was already used up; create a new one");
            }
        }
        X509Certificate certificate = signer.sign(group);
        DataPlaneIdentity identity = DataPlaneIdentity.of(certificate)
                .orElseThrow(() ->
                        new IllegalStateException("the signer issued a certificate without a data-plane identity"));
        try {
            IssuedCertificates.record(
                    c,
                    DataPlaneIdentity.serial(certificate),
                    identity.uri(),
                    group,
                    nodeId,
                    now,
                    certificate.getNotAfter().toInstant(),
                    "join:" + nodeId,
                    null,
                    hash);
        } catch (SQLIntegrityConstraintViolationException e) {
            // Two first uses for one node id at once: the unique index lets one of them win.
            String winner = serialIssued(c, hash, nodeId);
            if (winner == null) {
                throw e;
            }
            throw nodeIdTaken(nodeId, winner);
        }
        return new Redeemed(identity, certificate, uses + 1, maxUses);
    }

    /** The serial of the certificate the token already issued for {@code nodeId}, or null. */
    private static String serialIssued(Connection c, String hash, String nodeId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT serial FROM certificate WHERE join_token_hash = ? AND node_id = ?")) {
            ps.setString(1, hash);
            ps.setString(2, nodeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The serial of a certificate of {@code group}/{@code nodeId} that is neither revoked nor expired, or null. */
    private static String liveSerial(Connection c, String group, String nodeId, Instant now) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT serial FROM certificate WHERE node_group = ? AND node_id = ? "
                        + "AND revoked_at IS NULL AND expires_at > ? ORDER BY issued_at DESC LIMIT 1")) {
            ps.setString(1, group);
            ps.setString(2, nodeId);
            ps.setObject(3, now.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static TokenRefused nodeIdTaken(String nodeId, String serial) {
        return new TokenRefused(
                "node-id-taken",
                "node id '" + nodeId + "' already joined with this token (certificate serial " + serial
                        + "); each use of a token is for another node id: give this data plane its own --node-id");
    }
}
