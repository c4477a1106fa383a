package dev.tandem.appliance.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tandem.appliance.store.RowChange.Op;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A log entry's payload: the row changes of one write as canonical JSON (keys sorted, no
 * whitespace), so the bytes the chain checksum covers are the same whoever writes them. Its own
 * mapper, because canonical output is a different format from the admin API's indented JSON.
 */
public final class RowChanges {
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private RowChanges() {}

    public static byte[] encode(List<RowChange> changes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RowChange change : changes) {
            Map<String, Object> item = new TreeMap<>();
            item.put("op", change.op().name().toLowerCase(Locale.ROOT));
            item.put("row", new TreeMap<>(change.row()));
            item.put("table", change.table());
            out.add(item);
        }
        try {
            return CANONICAL.writeValueAsBytes(Map.of("changes", out));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("row changes are plain JSON scalars: " + e.getMessage(), e);
        }
    }

    /** Reads a payload {@link #encode} wrote; anything else is refused with what is wrong. */
    public static List<RowChange> decode(byte[] payload) {
        JsonNode root;
        try {
            root = CANONICAL.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("a log entry's payload is not JSON: " + e.getMessage(), e);
        }
        JsonNode changes = root == null ? null : root.get("changes");
        if (changes == null || !changes.isArray()) {
            throw new IllegalArgumentException("a log entry's payload has no \"changes\" array");
        }
        List<RowChange> out = new ArrayList<>();
        for (JsonNode change : changes) {
            JsonNode table = change.get("table");
            JsonNode op = change.get("op");
            JsonNode row = change.get("row");
            if (table == null
                    || !table.isTextual()
                    || op == null
                    || !op.isTextual()
                    || row == null
                    || !row.isObject()) {
                throw new IllegalArgumentException("a row change needs a table, an op and a row: " + change);
            }
            Op parsed;
            try {
                parsed = Op.valueOf(op.asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown row change op " + op.asText(), e);
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                values.put(field.getKey(), scalar(field.getValue()));
            }
            out.add(new RowChange(table.asText(), parsed, values));
        }
        return out;
    }

    private static Object scalar(JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        throw new IllegalArgumentException("a row value is a string, a whole number, a boolean or null, not " + node);
    }
}
