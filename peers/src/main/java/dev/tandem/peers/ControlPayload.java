package dev.tandem.peers;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The payload of the entries the machine writes itself ({@code epoch-start}, {@code sync-standby}):
 * canonical JSON of one flat object (keys sorted, no whitespace) of strings, whole numbers, booleans
 * and nulls, which is all those entries hold. Canonical because the bytes are what the chain covers.
 */
public final class ControlPayload {
    private ControlPayload() {}

    public static byte[] write(Map<String, ?> fields) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, ?> field : new TreeMap<>(fields).entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            string(out, field.getKey());
            out.append(':');
            Object value = field.getValue();
            if (value == null || value instanceof Boolean || value instanceof Long || value instanceof Integer) {
                out.append(value);
            } else if (value instanceof String text) {
                string(out, text);
            } else {
                throw new IllegalArgumentException(
                        "a control payload holds strings, numbers and booleans, not " + value.getClass());
            }
        }
        return out.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads what {@link #write} wrote; anything else is refused with the position that is wrong. */
    public static Map<String, Object> read(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        Map<String, Object> fields = new TreeMap<>();
        int[] at = {0};
        expect(text, at, '{');
        if (peek(text, at) == '}') {
            at[0]++;
            return fields;
        }
        while (true) {
            String key = readString(text, at);
            expect(text, at, ':');
            fields.put(key, readValue(text, at));
            char next = next(text, at);
            if (next == '}') {
                if (at[0] != text.length()) {
                    throw malformed(text, at[0], "text after the object");
                }
                return fields;
            }
            if (next != ',') {
                throw malformed(text, at[0] - 1, "',' or '}' expected");
            }
        }
    }

    private static Object readValue(String text, int[] at) {
        char first = peek(text, at);
        if (first == '"') {
            return readString(text, at);
        }
        int start = at[0];
        while (at[0] < text.length() && ",}".indexOf(text.charAt(at[0])) < 0) {
            at[0]++;
        }
        String word = text.substring(start, at[0]);
        return switch (word) {
            case "null" -> null;
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> {
                try {
                    yield Long.parseLong(word);
                } catch (NumberFormatException e) {
                    throw malformed(text, start, "a string, a whole number, true, false or null expected");
                }
            }
        };
    }

    private static String readString(String text, int[] at) {
        expect(text, at, '"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = next(text, at);
            if (c == '"') {
                return out.toString();
            }
            if (c == '\\') {
                char escaped = next(text, at);
                switch (escaped) {
                    case '"', '\\', '/' -> out.append(escaped);
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'u' -> {
                        if (at[0] + 4 > text.length()) {
                            throw malformed(text, at[0], "a \\u escape needs four hex digits");
                        }
                        out.append((char) Integer.parseInt(text.substring(at[0], at[0] + 4), 16));
                        at[0] += 4;
                    }
                    default -> throw malformed(text, at[0] - 1, "unknown escape");
                }
            } else {
                out.append(c);
            }
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void expect(String text, int[] at, char wanted) {
        if (next(text, at) != wanted) {
            throw malformed(text, at[0] - 1, "'" + wanted + "' expected");
        }
    }

    private static char peek(String text, int[] at) {
        if (at[0] >= text.length()) {
            throw malformed(text, at[0], "the payload ends early");
        }
        return text.charAt(at[0]);
    }

    private static char next(String text, int[] at) {
        char c = peek(text, at);
        at[0]++;
        return c;
    }

    private static IllegalArgumentException malformed(String text, int position, String what) {
        return new IllegalArgumentException("control payload at character " + position + ": " + what + " in "
                + (text.length() > 80 ? text.substring(0, 80) + "…" : text));
    }
}
