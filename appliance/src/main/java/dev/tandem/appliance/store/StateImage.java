package dev.tandem.appliance.store;

import dev.tandem.appliance.store.ReplicatedTables.TableRows;
import dev.tandem.peers.LogEntry;
import java.util.List;

/**
 * What a state transfer installs (ADR 0014 §3.7): every replicated table as of the sender's
 * snapshot index, and the log entries it retains after its base, with their payloads. The tables
 * already hold the entries' effects: a receiver stores the entries and does not apply them again.
 *
 * @param schemaVersion the sender's schema (Flyway's version): a receiver on another refuses it
 */
public record StateImage(String format, String schemaVersion, List<TableRows> tables, List<LogEntry> tail) {
    public static final String FORMAT = "tandem-state/v1";

    public StateImage {
        tables = List.copyOf(tables);
        tail = List.copyOf(tail);
    }

    public long rows() {
        return tables.stream().mapToLong(t -> t.rows().size()).sum();
    }
}
