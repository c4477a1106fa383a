package dev.tandem.appliance.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;

/**
 * The one way to change a replicated table: a write gets its slot in the replicated log, runs in one
 * transaction with its audit entry and its log entry, and returns once committed (ADR 0014 §3.3).
 * Implemented by the peer node, which owns the log.
 */
public interface LoggedWrites {

    /** A write's place in the log: its epoch and index, and its revision number for a revision. */
    record Slot(long epoch, long index, long revision) {}

    /** The work of one write, in its transaction, at its slot; {@code E} is its own refusal, if any. */
    @FunctionalInterface
    interface SlotWork<T, E extends Exception> {
        T run(Connection connection, Slot slot) throws SQLException, E;
    }

    /**
     * @param kind the entry's kind (ADR 0014 §3.2): {@code revision}, {@code admin-token}, …
     * @param event the audit entry recorded with the write, from its result; null for none
     */
    <T, E extends Exception> T write(String kind, SlotWork<T, E> work, Function<T, AuditLog.Event> event)
            throws SQLException, E;
}
