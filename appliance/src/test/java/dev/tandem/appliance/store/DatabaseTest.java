package dev.tandem.appliance.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schema migrations run on open; an older Tandem refuses a database a newer one migrated, naming both. */
class DatabaseTest {

    @TempDir
    Path dir;

    @Test
    void anOlderTandemRefusesANewerSchemaAndNamesBothVersions() throws Exception {
        try (Database database = Database.open(dir)) {
            try (Connection c = database.connection()) {
                // What a newer Tandem leaves behind: a migration this build does not have, and its version.
                c.createStatement()
                        .execute(
                                "INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", "
                                        + "\"description\", \"type\", \"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\") "
                                        + "VALUES (99, '99', 'from the future', 'SQL', 'V99__from_the_future.sql', 1, 'tandem', 1, TRUE)");
                c.createStatement().execute("UPDATE appliance_version SET version = '9.9.0' WHERE id = 1");
            }
        }
        assertThatThrownBy(() -> Database.open(dir))
                .isInstanceOf(SQLException.class)
                .hasMessageStartingWith(
                        "the database in " + dir + " was last used by Tandem 9.9.0 (schema version 99); "
                                + "this is Tandem " + Database.tandemVersion() + ", which knows schema versions up to ")
                .hasMessageEndingWith("Downgrades are not supported: install that version or a newer one again.");
    }

    @Test
    void theRunningVersionIsRecorded() throws Exception {
        try (Database database = Database.open(dir);
                Connection c = database.connection();
                var rs = c.createStatement().executeQuery("SELECT version FROM appliance_version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(Database.tandemVersion());
        }
    }
}
