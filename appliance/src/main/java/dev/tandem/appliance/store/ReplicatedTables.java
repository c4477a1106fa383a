package dev.tandem.appliance.store;

import dev.tandem.appliance.store.RowChange.Op;
import java.io.IOException;
import java.io.Reader;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tables every peer holds alike, and how a row change is applied to them. The list is the
 * replicated state (ADR 0014 §3.7): what a state transfer carries, what a log entry changes. Local
 * tables (this node's log position, its version, Flyway's history) are never replicated.
 */
public final class ReplicatedTables {
    /** In the order a state transfer sends them (parents before the rows that reference them). */
    public static final List<String> NAMES = List.of(
            "revision", "revision_secret_file", "audit", "admin_token", "join_token", "certificate", "peer_token");

    private static final Map<String, Table> DESCRIBED = new ConcurrentHashMap<>();

    /** A column and how its values travel as JSON scalars. */
    public record Column(String name, String type) {

        Object toJson(Object value) throws SQLException {
            if (value == null) {
                return null;
            }
            return switch (value) {
                case Clob clob -> clob.getSubString(1, (int) clob.length());
                case Blob blob -> Base64.getEncoder().encodeToString(blob.getBytes(1, (int) blob.length()));
                case byte[] bytes -> Base64.getEncoder().encodeToString(bytes);
                case Reader reader -> read(reader);
                case OffsetDateTime time -> time.toString();
                case Number number -> type.equals("INTEGER") ? (Object) number.intValue() : (Object) number.longValue();
                case Boolean bool -> bool;
                case String text -> text;
                default ->
                    throw new SQLException("column " + name + " (" + type + ") holds a "
                            + value.getClass().getName() + ", which the replicated log does not carry");
            };
        }

        void bind(PreparedStatement ps, int index, Object json) throws SQLException {
            if (json == null) {
                ps.setNull(index, Types.NULL);
                return;
            }
            switch (type) {
                case "BIGINT" -> ps.setLong(index, ((Number) json).longValue());
                case "INTEGER" -> ps.setInt(index, ((Number) json).intValue());
                case "BOOLEAN" -> ps.setBoolean(index, (Boolean) json);
                case "TIMESTAMP WITH TIME ZONE" -> ps.setObject(index, OffsetDateTime.parse((String) json));
                case "BINARY VARYING", "BINARY", "BINARY LARGE OBJECT" ->
                    ps.setBytes(index, Base64.getDecoder().decode((String) json));
                default -> ps.setString(index, (String) json);
            }
        }

        private static String read(Reader reader) throws SQLException {
            try (reader) {
                StringBuilder out = new StringBuilder();
                char[] buffer = new char[8192];
                for (int n; (n = reader.read(buffer)) > 0; ) {
                    out.append(buffer, 0, n);
                }
                return out.toString();
            } catch (IOException e) {
                throw new SQLException("cannot read a character column: " + e.getMessage(), e);
            }
        }
    }

    /** A replicated table: its columns in order and its primary key. */
    public record Table(String name, List<Column> columns, Set<String> key) {}

    /** Every row of one replicated table, in primary-key order, values as JSON scalars: what a state transfer carries. */
    public record TableRows(String name, List<Map<String, Object>> rows) {
        public TableRows {
            rows = List.copyOf(rows);
        }
    }

    private ReplicatedTables() {}

    static Table describe(Connection connection, String table) throws SQLException {
        String name = table.toLowerCase(Locale.ROOT);
        Table known = DESCRIBED.get(name);
        if (known != null) {
            return known;
        }
        List<Column> columns = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'PUBLIC'"
                        + " AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, name.toUpperCase(Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new Column(rs.getString(1).toLowerCase(Locale.ROOT), rs.getString(2)));
                }
            }
        }
        Set<String> key = new TreeSet<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT k.column_name FROM information_schema.table_constraints t JOIN information_schema.key_column_usage k"
                        + " ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema"
                        + " WHERE t.table_schema = 'PUBLIC' AND t.table_name = ? AND t.constraint_type = 'PRIMARY KEY'")) {
            ps.setString(1, name.toUpperCase(Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        if (columns.isEmpty() || key.isEmpty()) {
            throw new SQLException("the replicated table " + name + " has no columns or no primary key");
        }
        Table described = new Table(name, List.copyOf(columns), Set.copyOf(key));
        DESCRIBED.put(name, described);
        return described;
    }

    /**
     * Applies changes a log entry carries, in their order, in the caller's transaction, without
     * capturing them again. A change that names an unknown table or column is refused: nothing of the
     * entry is applied (the caller's transaction rolls back).
     */
    public static void apply(Connection connection, List<RowChange> changes) throws SQLException {
        RowCapture.applying(() -> {
            for (RowChange change : changes) {
                applyOne(connection, change);
            }
            return null;
        });
    }

    /**
     * Every replicated table's rows, in {@link #NAMES} order, each in primary-key order, read in the
     * caller's transaction: the state a state transfer sends (ADR 0014 §3.7).
     */
    public static List<TableRows> image(Connection connection) throws SQLException {
        List<TableRows> tables = new ArrayList<>();
        for (String name : NAMES) {
            Table table = describe(connection, name);
            List<Map<String, Object>> rows = new ArrayList<>();
            try (PreparedStatement ps = connection.prepareStatement(
                            "SELECT * FROM " + name + " ORDER BY " + String.join(", ", table.key()));
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (Column column : table.columns()) {
                        row.put(column.name(), column.toJson(rs.getObject(column.name())));
                    }
                    rows.add(row);
                }
            }
            tables.add(new TableRows(name, rows));
        }
        return tables;
    }

    /**
     * Replaces every replicated table's rows by {@code tables} (an {@link #image}), in the caller's
     * transaction, without capturing: children are emptied before their parents, then parents filled
     * first. A table or column this schema does not have is refused and nothing is replaced (the
     * caller's transaction rolls back).
     */
    public static void replaceAll(Connection connection, List<TableRows> tables) throws SQLException {
        List<String> names = tables.stream().map(TableRows::name).toList();
        if (!names.equals(NAMES)) {
            throw new SQLException("a state image holds the tables " + names + ", not " + NAMES);
        }
        RowCapture.applying(() -> {
            for (String name : NAMES.reversed()) {
                try (PreparedStatement ps = connection.prepareStatement("DELETE FROM " + name)) {
                    ps.executeUpdate();
                }
            }
            for (TableRows table : tables) {
                for (Map<String, Object> row : table.rows()) {
                    applyOne(connection, new RowChange(table.name(), Op.INSERT, row));
                }
            }
            return null;
        });
    }

    private static void applyOne(Connection connection, RowChange change) throws SQLException {
        if (!NAMES.contains(change.table())) {
            throw new SQLException("a log entry changes " + change.table() + ", which is not a replicated table");
        }
        Table table = describe(connection, change.table());
        for (String column : change.row().keySet()) {
            if (table.columns().stream().noneMatch(c -> c.name().equals(column))) {
                throw new SQLException(
                        "a log entry sets " + change.table() + "." + column + ", which this schema does not have");
            }
        }
        List<Column> columns = table.columns().stream()
                .filter(c -> change.op() != Op.DELETE || table.key().contains(c.name()))
                .filter(c -> change.row().containsKey(c.name()))
                .toList();
        String sql;
        if (change.op() == Op.DELETE) {
            sql = "DELETE FROM " + table.name() + " WHERE "
                    + String.join(
                            " AND ",
                            columns.stream().map(c -> c.name() + " = ?").toList());
        } else {
            sql = "MERGE INTO " + table.name() + " ("
                    + String.join(", ", columns.stream().map(Column::name).toList())
                    + ") KEY (" + String.join(", ", table.key()) + ") VALUES ("
                    + String.join(", ", columns.stream().map(c -> "?").toList()) + ")";
        }
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < columns.size(); i++) {
                columns.get(i).bind(ps, i + 1, change.row().get(columns.get(i).name()));
            }
            ps.executeUpdate();
        }
    }
}
