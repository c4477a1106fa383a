package dev.tandem.appliance.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.h2.api.ErrorCode;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The appliance's H2 file database in its data directory, migrated by Flyway on open
 * ({@code src/main/resources/db/migration}). One process owns the file: H2's file lock refuses a
 * second appliance on the same data directory.
 *
 * <p>Durability: every write goes through {@link #write}, which commits one transaction and then
 * forces the file to disk ({@code CHECKPOINT SYNC}: H2 stores the MVStore chunk and calls
 * {@code FileChannel.force(true)}, an fsync) before it returns. H2 by itself only guarantees that a
 * commit reaches the file within {@code WRITE_DELAY} (500 ms) and never calls fsync on commit: an
 * acknowledged write could be lost to {@code kill -9} (measured: 4 and 5 revisions in two of three
 * runs) or a power loss. H2's background writer stays on (its default delay) because it is also what
 * compacts the file; old chunks are kept for the retention time (45 s), so a power loss during its
 * unsynced writes falls back to the last synced chunk. docs/decisions/0010 has the measurements.
 */
public final class Database implements AutoCloseable {

    /** A unit of work in one transaction on {@code connection}; {@code E} is its own refusal, if any. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection connection) throws SQLException, E;
    }

    /** H2's name for the database in a data directory; the file is this plus H2's {@code .mv.db}. */
    private static final String NAME = "tandem";

    private final JdbcConnectionPool pool;

    private Database(JdbcConnectionPool pool) {
        this.pool = pool;
    }

    /** The file that holds the database of {@code dataDir} (it exists once a node has run there). */
    public static Path file(Path dataDir) {
        return dataDir.resolve(NAME + ".mv.db");
    }

    public static Database open(Path dataDir) throws SQLException {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new SQLException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        // LOCK_TIMEOUT: a write that waits for another's row lock (joins racing on one token) waits up
        // to 10 s, not H2's 2 s: every write is short, and a loaded host must not turn a queue into errors.
        String url =
                "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve(NAME) + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "tandem", "");
        try {
            Flyway flyway = Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .load();
            refuseNewerSchema(flyway, pool, dataDir);
            flyway.migrate();
            recordVersion(pool);
            try (Connection c = pool.getConnection()) {
                sync(c);
            }
        } catch (SQLException e) {
            pool.dispose();
            throw e;
        } catch (RuntimeException e) {
            pool.dispose();
            if (causedByLock(e)) {
                throw new SQLException(
                        "the data directory " + dataDir + " is in use by another Tandem process "
                                + "(its database file is locked); stop that one or give this one its own dataDir",
                        e);
            }
            throw new SQLException("cannot migrate the database in " + dataDir + ": " + e.getMessage(), e);
        }
        try {
            // The file's name in its folder must survive a power loss too (a new database file).
            DurableFiles.syncDirectory(dataDir);
        } catch (IOException e) {
            pool.dispose();
            throw new SQLException("cannot sync the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        return new Database(pool);
    }

    /** This build's version, as the jar's manifest says ({@code development build} when run from classes). */
    public static String tandemVersion() {
        String version = Database.class.getPackage().getImplementationVersion();
        return version == null ? "development build" : version;
    }

    /**
     * An older Tandem on a database a newer one migrated would misread it: refused, naming both
     * versions. (Flyway calls migrations it does not know, but finds applied, "future".)
     */
    private static void refuseNewerSchema(Flyway flyway, JdbcConnectionPool pool, Path dataDir) throws SQLException {
        MigrationInfo[] all = flyway.info().all();
        String known = "0";
        String applied = null;
        for (MigrationInfo info : all) {
            if (info.getVersion() == null) {
                continue;
            }
            if (info.getState() == MigrationState.FUTURE_SUCCESS || info.getState() == MigrationState.FUTURE_FAILED) {
                applied = info.getVersion().getVersion();
            } else if (info.getState().isResolved()) {
                known = info.getVersion().getVersion();
            }
        }
        if (applied == null) {
            return;
        }
        String lastRun = "a newer Tandem";
        try (Connection c = pool.getConnection();
                var rs = c.createStatement().executeQuery("SELECT version FROM appliance_version WHERE id = 1")) {
            if (rs.next()) {
                lastRun = "Tandem " + rs.getString(1);
            }
        } catch (SQLException e) {
            // Written before versions were recorded: "a newer Tandem" says enough.
        }
        throw new SQLException(
                "the database in " + dataDir + " was last used by " + lastRun + " (schema version " + applied
                        + "); this is Tandem " + tandemVersion() + ", which knows schema versions up to " + known
                        + ". Downgrades are not supported: install that version or a newer one again.");
    }

    private static void recordVersion(JdbcConnectionPool pool) throws SQLException {
        try (Connection c = pool.getConnection();
                var ps = c.prepareStatement(
                        "MERGE INTO appliance_version (id, version, started_at) KEY (id) VALUES (1, ?, ?)")) {
            ps.setString(1, tandemVersion());
            ps.setObject(2, OffsetDateTime.now(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    /** Whether {@code e} is a write that waited longer than the lock timeout for another write's rows. */
    public static boolean lockTimedOut(Throwable e) {
        return hasErrorCode(e, ErrorCode.LOCK_TIMEOUT_1);
    }

    /** H2's "database may be already in use" (error 90020): another process holds the file lock. */
    private static boolean causedByLock(Throwable e) {
        return hasErrorCode(e, ErrorCode.DATABASE_ALREADY_OPEN_1);
    }

    private static boolean hasErrorCode(Throwable e, int code) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == code) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code work} in one transaction and returns once it is committed and on disk: all of it
     * or, on any exception, none of it (rolled back, the exception passed on).
     */
    public <T, E extends Exception> T write(Work<T, E> work) throws SQLException, E {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            T result;
            try {
                result = work.run(c);
                c.commit();
            } catch (Exception | Error e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            sync(c);
            return result;
        }
    }

    /**
     * Runs {@code work} in one read-only transaction at isolation level SNAPSHOT: every statement
     * sees the database as of the first one, whatever commits meanwhile (a consistent image).
     */
    public <T, E extends Exception> T read(Work<T, E> work) throws SQLException, E {
        try (Connection c = pool.getConnection()) {
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SNAPSHOT");
            }
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (Exception | Error e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
                c.setTransactionIsolation(isolation);
            }
        }
    }

    /** The schema's version, as Flyway recorded its last successful migration. */
    public static String schemaVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\""
                        + " WHERE \"success\" AND \"version\" IS NOT NULL ORDER BY \"installed_rank\" DESC LIMIT 1")) {
            if (!rs.next()) {
                throw new SQLException("the database has no migration recorded");
            }
            return rs.getString(1);
        }
    }

    /** Commits H2's pending store and fsyncs the database file. */
    private static void sync(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    /** For reads; writes go through {@link #write}. */
    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public void close() {
        try (Connection c = pool.getConnection()) {
            c.createStatement().execute("SHUTDOWN");
        } catch (SQLException e) {
            // Already closed or never opened: nothing left to flush.
        }
        pool.dispose();
    }
}
