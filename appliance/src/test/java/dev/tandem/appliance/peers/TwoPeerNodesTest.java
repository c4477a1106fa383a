package dev.tandem.appliance.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.Role;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.PeerLog;
import dev.tandem.peers.Command;
import dev.tandem.peers.NodeSettings;
import dev.tandem.peers.OperatorAnswer;
import dev.tandem.peers.Replication;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.State;
import dev.tandem.peers.Timing;
import dev.tandem.peers.WriteOutcome;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real nodes on their own H2 databases, linked in memory (frames encoded as on the wire), no
 * lease store: a write on the active is on the standby's tables when it returns (sync), a write to
 * the standby is misdirected, and switch-active moves the writer.
 */
class TwoPeerNodesTest {
    private static final Instant NOW = Instant.parse("2026-12-02T07:00:00Z");

    @TempDir
    Path a;

    @TempDir
    Path b;

    @Test
    void writesReplicateAndSwitchActiveMovesTheWriter() throws Exception {
        MemoryLinks links = new MemoryLinks();
        try (Database da = Database.open(a);
                Database db = Database.open(b);
                PeerNode p1 = node(da, "p1", RoleIntent.ACTIVE, links);
                PeerNode p2 = node(db, "p2", RoleIntent.STANDBY, links)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> p1.view().syncStandby() != null);
            AuditLog audit1 = new AuditLog(da, p1);
            AdminTokens tokens = new AdminTokens(da);
            audit1.audited(
                    "admin-token",
                    c -> tokens.create(c, "ci", Role.OPERATOR, "test", NOW),
                    t -> AuditLog.Event.of(NOW, "test", "local", "admin-token-create", "ci"));
            // Sync: acknowledged means the standby holds it; its tables apply the entry at once.
            assertThat(names(db)).containsExactly("ci");

            AuditLog audit2 = new AuditLog(db, p2);
            assertThatThrownBy(() -> audit2.audited(
                            "admin-token",
                            c -> new AdminTokens(db).create(c, "x", Role.VIEWER, "t", NOW),
                            t -> AuditLog.Event.of(NOW, "t", "local", "admin-token-create", "x")))
                    .isInstanceOfSatisfying(
                            PeerNode.NotWritten.class,
                            e -> assertThat(e.outcome())
                                    .isEqualTo(new WriteOutcome.Misdirected(
                                            "p1", p1.view().epoch())));

            OperatorAnswer switched =
                    p1.operator(new Command.SwitchActive("p2", "test")).get(10, TimeUnit.SECONDS);
            assertThat(switched).isInstanceOf(OperatorAnswer.Switched.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> p2.view().state() == State.ACTIVE);
            assertThat(p1.view().state()).isEqualTo(State.FOLLOWING);
            assertThat(p2.view().epoch()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> "p1".equals(p2.view().syncStandby()));
            audit2.audited(
                    "admin-token",
                    c -> new AdminTokens(db).create(c, "ops", Role.VIEWER, "test", NOW),
                    t -> AuditLog.Event.of(NOW, "test", "local", "admin-token-create", "ops"));
            assertThat(names(da)).containsExactly("ci", "ops");
            assertThat(audit(da)).isEqualTo(audit(db));
        }
    }

    private static PeerNode node(Database database, String name, RoleIntent intent, MemoryLinks links)
            throws Exception {
        NodeSettings settings =
                new NodeSettings("test", name, List.of("p1", "p2"), Replication.SYNC, false, false, false, true);
        return PeerNode.start(
                database,
                new PeerLog(database, Clock.systemUTC()),
                settings,
                Timing.defaults(),
                intent,
                links.of(name),
                Optional.empty());
    }

    private static List<String> names(Database database) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = database.connection();
                ResultSet rs = c.createStatement().executeQuery("SELECT name FROM admin_token ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<String> audit(Database database) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = database.connection();
                ResultSet rs =
                        c.createStatement().executeQuery("SELECT id, at, action, detail FROM audit ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getLong(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
            }
        }
        return out;
    }
}
