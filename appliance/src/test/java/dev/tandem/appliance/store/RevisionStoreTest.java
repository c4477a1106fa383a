package dev.tandem.appliance.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevisionStoreTest {

    @TempDir
    Path dir;

    @Test
    void numbersRevisionsAndKeepsThemAcrossReopen() throws Exception {
        Instant at = Instant.parse("2026-11-22T07:00:00Z");
        try (Database db = Database.open(dir)) {
            RevisionStore store = new RevisionStore(db);
            assertThat(store.latest()).isEmpty();
            assertThat(TestLogs.write(
                                    db, c -> store.append(c, store.nextNumber(), "a: 1\n", 1, "alice", "127.0.0.1", at))
                            .number())
                    .isEqualTo(1);
            assertThat(TestLogs.write(
                                    db,
                                    c -> store.append(
                                            c, store.nextNumber(), "a: 2\n", 1, "bob", "10.0.0.9", at.plusSeconds(5)))
                            .number())
                    .isEqualTo(2);
        }
        try (Database db = Database.open(dir)) {
            RevisionStore store = new RevisionStore(db);
            Revision latest = store.latest().orElseThrow();
            assertThat(latest).isEqualTo(new Revision(2, "a: 2\n", 1, "bob", "10.0.0.9", at.plusSeconds(5)));
            assertThat(store.get(1).orElseThrow().appliedBy()).isEqualTo("alice");
            assertThat(store.list(10)).extracting(Revision::number).containsExactly(2L, 1L);
            assertThat(store.list(10).get(0).documents()).isEmpty();
            assertThat(store.get(3)).isEmpty();
        }
    }

    @Test
    void aNumberThatIsTakenIsRefusedAndTheStoredRevisionKept() throws Exception {
        Instant at = Instant.parse("2026-11-22T07:00:00Z");
        try (Database db = Database.open(dir)) {
            RevisionStore store = new RevisionStore(db);
            TestLogs.write(db, c -> store.append(c, 1, "a: 1\n", 1, "alice", "127.0.0.1", at));
            assertThatThrownBy(() -> TestLogs.write(db, c -> store.append(c, 1, "a: 2\n", 1, "bob", "127.0.0.1", at)))
                    .isInstanceOf(SQLException.class);
            assertThat(store.get(1).orElseThrow().documents()).isEqualTo("a: 1\n");
            assertThat(store.nextNumber()).isEqualTo(2);
        }
    }

    @Test
    void aDataDirectoryThatCannotBeCreatedIsNamed() throws Exception {
        try (Database db = Database.open(dir)) {
            assertThat(db.connection().isValid(1)).isTrue();
        }
        // A regular file where a folder must go (a second process on a locked directory: ServeProcessIT).
        Path notADirectory = dir.resolve("tandem.mv.db").resolve("data");
        assertThatThrownBy(() -> Database.open(notADirectory))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("cannot create data directory " + notADirectory);
    }
}
