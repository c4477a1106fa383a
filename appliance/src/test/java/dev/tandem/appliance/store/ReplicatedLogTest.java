package dev.tandem.appliance.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.auth.PeerTokens;
import dev.tandem.appliance.auth.Role;
import dev.tandem.peers.Checksum;
import dev.tandem.peers.DurableChange.Append;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.RoleIntent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every write is one log entry carrying its row changes (ADR 0014 §3.2, §3.3): a node that applies
 * another's log, entry by entry, holds the same replicated tables, row for row, and an entry that
 * names what this schema does not have changes nothing.
 */
class ReplicatedLogTest {
    private static final Instant NOW = Instant.parse("2026-12-02T06:00:00Z");

    @TempDir
    Path active;

    @TempDir
    Path standby;

    @Test
    void aNodeThatAppliesTheLogHoldsTheSameTables() throws Exception {
        try (Database a = Database.open(active);
                Database b = Database.open(standby)) {
            AuditLog audit = TestLogs.auditLog(a);
            writeOfEveryKind(a, audit);

            List<LogEntry> entries = new PeerLog(a, Clock.systemUTC()).entries(1, Long.MAX_VALUE);
            assertThat(entries).hasSizeGreaterThanOrEqualTo(8);
            Checksum prev = Checksum.genesis("test");
            for (LogEntry entry : entries) {
                assertThat(entry.follows(prev))
                        .as("entry %s follows the chain", entry.index())
                        .isTrue();
                prev = entry.checksum();
            }

            PeerLog replica = new PeerLog(b, Clock.systemUTC());
            replica.restore("test", RoleIntent.STANDBY);
            for (LogEntry entry : entries) {
                replica.persist(new Append(List.of(entry)));
            }
            for (String table : ReplicatedTables.NAMES) {
                assertThat(rows(b, table)).as(table).isEqualTo(rows(a, table)).isNotEmpty();
            }
        }
    }

    @Test
    void anEntryThatNamesAnUnknownColumnChangesNothing() throws Exception {
        try (Database b = Database.open(standby)) {
            PeerLog replica = new PeerLog(b, Clock.systemUTC());
            replica.restore("test", RoleIntent.STANDBY);
            byte[] forged =
                    ("{\"changes\":[{\"op\":\"insert\",\"row\":{\"created_at\":\"2026-12-02T06:00Z\",\"created_by\":\"x\","
                                    + "\"name\":\"evil\",\"role\":\"ADMIN\",\"token_hash\":\"00\"},\"table\":\"admin_token\"},"
                                    + "{\"op\":\"insert\",\"row\":{\"name\":\"x\",\"superuser\":true},\"table\":\"admin_token\"}]}")
                            .getBytes(StandardCharsets.UTF_8);
            LogEntry entry = LogEntry.create(Checksum.genesis("test"), 1, 1, "admin-token", 0, forged);
            assertThatThrownBy(() -> replica.persist(new Append(List.of(entry))))
                    .hasMessageContaining("admin_token.superuser");
            assertThat(rows(b, "admin_token")).isEmpty();
            assertThat(new PeerLog(b, Clock.systemUTC()).entries(1, 10)).isEmpty();
            byte[] otherTable = "{\"changes\":[{\"op\":\"delete\",\"row\":{\"id\":1},\"table\":\"peer_state\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> replica.persist(new Append(
                            List.of(LogEntry.create(Checksum.genesis("test"), 1, 1, "audit", 0, otherTable)))))
                    .hasMessageContaining("peer_state, which is not a replicated table");
        }
    }

    @Test
    void aWriteOutsideTheLogIsRefused() throws Exception {
        try (Database a = Database.open(active)) {
            assertThatThrownBy(() -> a.write(c -> c.createStatement()
                            .executeUpdate("INSERT INTO audit (id, at, actor, origin, action, detail) VALUES"
                                    + " (1, CURRENT_TIMESTAMP, 'me', 'local', 'sneak', 'outside the log')")))
                    .hasMessageContaining("the replicated table audit was written outside the replicated log");
        }
    }

    @Test
    void aDatabaseFromBeforeTheLogGoesOnNumberingFromItsNewestRevision() throws Exception {
        try (Database a = Database.open(active)) {
            // Rows an earlier version stored before the log existed (written here as a migration would).
            RowCapture.applying(() -> {
                a.write(c -> {
                    RevisionStore store = new RevisionStore(a);
                    store.append(c, 1, "kind: Gateway\n", 1, "alice", "local", NOW);
                    store.append(c, 2, "kind: Gateway\n", 1, "alice", "local", NOW);
                    return null;
                });
                return null;
            });
            AuditLog audit = TestLogs.auditLog(a);
            long number = audit.writes()
                    .write(
                            "revision",
                            (c, slot) -> {
                                new RevisionStore(a)
                                        .append(c, slot.revision(), "kind: Gateway\n", 1, "bob", "local", NOW);
                                return slot.revision();
                            },
                            null);
            assertThat(number).isEqualTo(3);
            assertThat(TestLogs.node(a).view().epoch()).isEqualTo(1);
        }
    }

    private static void writeOfEveryKind(Database a, AuditLog audit) throws Exception {
        AdminTokens tokens = new AdminTokens(a);
        for (String name : List.of("alice", "bob")) {
            audit.audited(
                    "admin-token",
                    c -> tokens.create(c, name, Role.OPERATOR, "test", NOW),
                    t -> AuditLog.Event.of(NOW, "test", "local", "admin-token-create", name));
        }
        tokens.changeRole(
                audit,
                "alice",
                Role.ADMIN,
                before -> AuditLog.Event.of(NOW, "test", "local", "admin-token-role", "alice"));
        tokens.revoke(audit, "bob", AuditLog.Event.of(NOW, "test", "local", "admin-token-revoke", "bob"));
        JoinTokens joins = new JoinTokens();
        audit.audited(
                "join-token",
                c -> joins.create(c, "edge", 2, NOW.plus(Duration.ofHours(1)), "test", NOW),
                t -> AuditLog.Event.of(NOW, "test", "local", "join-token-create", "edge"));
        PeerTokens peerTokens = new PeerTokens();
        String peerToken = audit.audited(
                "peer-token",
                c -> peerTokens.create(c, NOW.plus(Duration.ofHours(1)), "test", NOW),
                t -> AuditLog.Event.of(NOW, "test", "local", "peer-token-create", "ttl 1h"));
        audit.audited(
                "peer-join",
                c -> {
                    peerTokens.redeem(c, peerToken, "tandem-2", NOW);
                    return null;
                },
                t -> AuditLog.Event.of(NOW, "peer-join:tandem-2", "local", "peer-join", "member tandem-2 joined"));
        RevisionStore revisions = new RevisionStore(a);
        SortedMap<String, String> files = new TreeMap<>();
        files.put("/etc/tandem/tls/site-a.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        audit.audited(
                "revision",
                c -> {
                    Revision r = revisions.append(c, 1, "kind: Gateway\nname: edge\n", 1, "alice", "local", NOW);
                    revisions.keepSecretFiles(c, 1, files);
                    return r;
                },
                r -> new AuditLog.Event(NOW, "alice", "local", "apply", "1 document", r.number()));
        TestLogs.write(a, c -> {
            insertCertificate(c, "0a1b");
            return null;
        });
        TestLogs.write(
                a,
                c -> c.createStatement()
                        .executeUpdate(
                                "UPDATE certificate SET revoked_at = TIMESTAMP WITH TIME ZONE '2026-12-02 06:01:00+00', revoked_by = 'ops',"
                                        + " revoke_reason = 'key leaked' WHERE serial = '0a1b'"));
    }

    private static void insertCertificate(Connection c, String serial) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO certificate (serial, identity, node_group, node_id, issued_at,"
                        + " expires_at, issued_by) VALUES (?, 'spiffe://test/group/edge/node/n1', 'edge', 'n1', ?, ?, 'join')")) {
            ps.setString(1, serial);
            ps.setObject(2, NOW.atOffset(ZoneOffset.UTC));
            ps.setObject(3, NOW.plus(Duration.ofDays(30)).atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    /** Every row of {@code table} in key order, each column as text. */
    private static List<String> rows(Database database, String table) throws SQLException {
        ReplicatedTables.Table described;
        try (Connection c = database.connection()) {
            described = ReplicatedTables.describe(c, table);
        }
        List<String> out = new ArrayList<>();
        try (Connection c = database.connection();
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT * FROM " + table + " ORDER BY " + String.join(", ", described.key()))) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(rs.getMetaData().getColumnName(i))
                            .append('=')
                            .append(rs.getString(i))
                            .append(' ');
                }
                out.add(row.toString());
            }
        }
        return out;
    }
}
