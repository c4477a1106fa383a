package dev.tandem.appliance.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The appliance's H2 file database in its data directory, migrated by Flyway on open
 * ({@code src/main/resources/db/migration}). One process owns the file: H2's file lock refuses a
 * second appliance on the same data directory.
 */
public final class Database implements AutoCloseable {

    private final JdbcConnectionPool pool;

    private Database(JdbcConnectionPool pool) {
        this.pool = pool;
    }

    public static Database open(Path dataDir) throws SQLException {
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("tandem") + ";DB_CLOSE_ON_EXIT=FALSE";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "tandem", "");
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.dispose();
            if (causedByLock(e)) {
                throw new SQLException("the data directory " + dataDir + " is in use by another Tandem process "
                        + "(its database file is locked); stop that one or give this one its own dataDir", e);
            }
            throw new SQLException("cannot migrate the database in " + dataDir + ": " + e.getMessage(), e);
        }
        return new Database(pool);
    }

    /** H2's "database may be already in use" (error 90020): another process holds the file lock. */
    private static boolean causedByLock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
                return true;
            }
        }
        return false;
    }

    public DataSource dataSource() {
        return pool;
    }

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
