package dev.tandem.appliance.store;

import dev.tandem.appliance.store.RowChange.Op;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.h2.api.Trigger;

/**
 * An H2 row trigger on every replicated table ({@code db/migration/V9}): each insert, update and
 * delete of the running write is recorded in {@link RowCapture}, to travel in its log entry. A write
 * to a replicated table outside a replicated write fails, so no change can reach one peer's tables
 * and not the log.
 */
public final class CaptureTrigger implements Trigger {
    private String table;
    private ReplicatedTables.Table columns;

    @Override
    public void init(Connection connection, String schema, String trigger, String tableName, boolean before, int type)
            throws SQLException {
        this.table = tableName.toLowerCase(Locale.ROOT);
        this.columns = ReplicatedTables.describe(connection, tableName);
    }

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        if (RowCapture.applying()) {
            return;
        }
        if (!RowCapture.active()) {
            throw new SQLException("the replicated table " + table + " was written outside the replicated log;"
                    + " every write goes through the write path (PeerNode.write)");
        }
        if (newRow == null) {
            RowCapture.add(new RowChange(table, Op.DELETE, key(oldRow)));
        } else {
            RowCapture.add(new RowChange(table, oldRow == null ? Op.INSERT : Op.UPDATE, row(newRow)));
        }
    }

    private Map<String, Object> row(Object[] values) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        List<ReplicatedTables.Column> all = columns.columns();
        for (int i = 0; i < all.size(); i++) {
            row.put(all.get(i).name(), all.get(i).toJson(values[i]));
        }
        return row;
    }

    private Map<String, Object> key(Object[] values) throws SQLException {
        Map<String, Object> key = new LinkedHashMap<>();
        List<ReplicatedTables.Column> all = columns.columns();
        for (int i = 0; i < all.size(); i++) {
            if (columns.key().contains(all.get(i).name())) {
                key.put(all.get(i).name(), all.get(i).toJson(values[i]));
            }
        }
        return key;
    }
}
