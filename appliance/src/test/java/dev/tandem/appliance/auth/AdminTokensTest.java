package dev.tandem.appliance.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.TestLogs;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last admin token stays, however many changes race for it. */
class AdminTokensTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void twoAdminsRevokedAtOnceLeaveOne() throws Exception {
        try (Database db = Database.open(dir)) {
            AdminTokens tokens = new AdminTokens(db);
            AuditLog audit = TestLogs.auditLog(db);
            for (String name : List.of("a", "b")) {
                audit.audited(
                        "admin-token",
                        c -> tokens.create(c, name, Role.ADMIN, "test", NOW),
                        t -> AuditLog.Event.of(NOW, "test", "local", "admin-token-create", name));
            }
            CyclicBarrier together = new CyclicBarrier(2);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                List<Future<Boolean>> outcomes = new ArrayList<>();
                for (String name : List.of("a", "b")) {
                    Callable<Boolean> revoke = () -> {
                        together.await();
                        try {
                            if (name.equals("a")) {
                                tokens.revoke(
                                        audit,
                                        name,
                                        AuditLog.Event.of(NOW, "test", "local", "admin-token-revoke", name));
                            } else {
                                tokens.changeRole(
                                        audit,
                                        name,
                                        Role.VIEWER,
                                        before -> AuditLog.Event.of(
                                                NOW, "test", "local", "admin-token-role-change", name));
                            }
                            return true;
                        } catch (AdminTokens.Refused e) {
                            return false;
                        }
                    };
                    outcomes.add(threads.submit(revoke));
                }
                int done = 0;
                for (Future<Boolean> outcome : outcomes) {
                    done += outcome.get() ? 1 : 0;
                }
                assertThat(done).as("changes that took an admin away").isEqualTo(1);
            } finally {
                threads.shutdownNow();
            }
            assertThat(tokens.list()).filteredOn(t -> t.role() == Role.ADMIN).hasSize(1);
        }
    }
}
