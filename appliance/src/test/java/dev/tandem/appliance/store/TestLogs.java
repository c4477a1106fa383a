package dev.tandem.appliance.store;

import dev.tandem.appliance.peers.PeerNode;
import java.sql.SQLException;
import java.time.Clock;
import java.util.IdentityHashMap;
import java.util.Map;

/** Writes in tests go through the replicated log, as the appliance's do. */
public final class TestLogs {
    private static final Map<Database, PeerNode> NODES = new IdentityHashMap<>();

    private TestLogs() {}

    /** A standalone peer node on {@code database}: the writer of its own log at once. */
    public static PeerNode standalone(Database database) throws SQLException {
        try {
            return PeerNode.alone(database, Clock.systemUTC(), "test", "test-node");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The audit log of a standalone node on {@code database}: every audited write is a log entry. */
    public static AuditLog auditLog(Database database) throws SQLException {
        return new AuditLog(database, node(database));
    }

    /** One write through the log of {@code database}'s node, without an audit entry (table-level tests). */
    public static <T, E extends Exception> T write(Database database, Database.Work<T, E> work) throws SQLException, E {
        return node(database).write("test", (c, slot) -> work.run(c), null);
    }

    /** The one standalone node writing to {@code database} in a test. */
    public static synchronized PeerNode node(Database database) throws SQLException {
        PeerNode node = NODES.get(database);
        if (node == null) {
            node = standalone(database);
            NODES.put(database, node);
        }
        return node;
    }
}
