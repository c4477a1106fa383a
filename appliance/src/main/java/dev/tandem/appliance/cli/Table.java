package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A table for a terminal, as {@code kubectl get} prints them: upper-case headers, columns padded to
 * their widest cell and two spaces apart, the last column not padded. Also the cell formats every
 * command shares, so a time or a version looks the same in each of them.
 */
final class Table {

    private static final String GAP = "  ";
    private static final int SHORT_VERSION = 8;

    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... headers) {
        this.columns = headers.length;
        rows.add(headers);
    }

    /** Adds a row; {@code null} cells print as {@code -}. */
    Table row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException(cells.length + " cells for " + columns + " columns");
        }
        rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c.toString()).toArray(String[]::new));
        return this;
    }

    /** Whether only the header is there. */
    boolean isEmpty() {
        return rows.size() == 1;
    }

    @Override
    public String toString() {
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]).append(i == columns - 1 ? "" : " ".repeat(widths[i] - row[i].length()) + GAP);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** An API time (ISO-8601) as ISO-8601 UTC to the second; {@code -} when absent. */
    static String time(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return "-";
        }
        try {
            return Instant.parse(value.asText()).truncatedTo(ChronoUnit.SECONDS).toString();
        } catch (DateTimeParseException e) {
            return value.asText();
        }
    }

    /** A content-hash version cut to its first characters, as git shortens commits; {@code -} when absent. */
    static String version(JsonNode value) {
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            return "-";
        }
        String text = value.asText();
        return text.length() > SHORT_VERSION && text.chars().allMatch(c -> Character.digit(c, 16) >= 0)
                ? text.substring(0, SHORT_VERSION)
                : text;
    }
}
