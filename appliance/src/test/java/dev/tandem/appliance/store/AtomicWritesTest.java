package dev.tandem.appliance.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write and its audit entry are one transaction: when any step fails (the process dying between
 * two statements is the same to H2: the transaction never commits), none of it is stored. Join
 * tokens: {@code JoinTokensTest}.
 */
class AtomicWritesTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aRevisionIsNeverStoredWithoutItsAuditEntryOrTheReverse() throws Exception {
        try (Database db = Database.open(dir)) {
            RevisionStore store = new RevisionStore(db);
            AuditLog audit = TestLogs.auditLog(db);
            assertThatThrownBy(() -> audit.audited(
                            "revision", c -> store.append(c, 1, "a: 1\n", 1, "alice", "local", NOW), r -> {
                                throw new IllegalStateException("the process dies before the audit entry is written");
                            }))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(store.latest()).isEmpty();
            assertThat(audit.page(Long.MAX_VALUE, 10)).isEmpty();

            Revision stored = audit.audited(
                    "revision",
                    c -> store.append(c, 1, "a: 1\n", 1, "alice", "local", NOW),
                    r -> new AuditLog.Event(NOW, "alice", "local", "apply", "1 document", r.number()));
            assertThat(stored.number()).isEqualTo(1);
            assertThat(audit.page(Long.MAX_VALUE, 10))
                    .singleElement()
                    .satisfies(e -> assertThat(e.revision()).isEqualTo(1L));
        }
    }
}
