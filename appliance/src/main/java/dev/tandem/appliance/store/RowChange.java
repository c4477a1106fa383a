package dev.tandem.appliance.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row a write inserted, updated or deleted in a replicated table: what a log entry carries, so a
 * standby reproduces the active's tables exactly, with the same ids, times and contents, without a
 * clock, a random source or a file read of its own (ADR 0014 §3.2, §13).
 *
 * @param row the row after the change (for a delete: its key columns before), values as JSON
 *     scalars: numbers, strings, booleans, nulls; times as ISO-8601 text
 */
public record RowChange(String table, Op op, Map<String, Object> row) {
    public enum Op {
        INSERT,
        UPDATE,
        DELETE
    }

    public RowChange {
        row = new LinkedHashMap<>(row);
    }
}
