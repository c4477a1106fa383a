package dev.tandem.xds.model;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cursor over one YAML mapping that reads typed fields and records every problem as a
 * {@link ConfigError} (document, field path, reason) instead of throwing, so that one pass over a
 * file reports all of its errors. Fields that are read are remembered; {@link #finish()} reports the
 * ones nobody asked for, which catches typos such as {@code timout: 5s}.
 *
 * <p>Not thread-safe; one instance per mapping being read.
 */
public final class YamlFields {

    /**
     * The longest text a field may hold unless its reader allows more: longer than any name, host, path,
     * regex or header a config needs. A longer text is refused by its length, never quoted in the error,
     * so a hostile value costs neither a validation over it nor a copy into every message that names it.
     */
    public static final int MAX_TEXT = 4096;

    /** How much of an unexpected key or text a message quotes. */
    private static final int QUOTED = 64;

    private final String document;
    private final String path;
    private final Map<?, ?> values;
    private final List<ConfigError> errors;
    private final Set<String> known = new LinkedHashSet<>();

    private YamlFields(String document, String path, Map<?, ?> values, List<ConfigError> errors) {
        this.document = document;
        this.path = path;
        this.values = values;
        this.errors = errors;
    }

    /**
     * Reads {@code node} as a mapping; anything else is reported and read as an empty mapping,
     * so that callers need no special case.
     */
    public static YamlFields of(Object node, String document, String path, List<ConfigError> errors) {
        if (node instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                if (!(key instanceof String)) {
                    errors.add(new ConfigError(
                            document, path, "has a non-text key '" + excerpt(String.valueOf(key)) + "'"));
                }
            }
            return new YamlFields(document, path, map, errors);
        }
        if (node != null) {
            errors.add(new ConfigError(document, path, "must be a mapping, not " + describe(node)));
        }
        return new YamlFields(document, path, Map.of(), errors);
    }

    public String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        known.add(key);
        return values.get(key) != null;
    }

    /** Records an error against {@code key} of this mapping. */
    public void error(String key, String reason) {
        errors.add(new ConfigError(document, field(key), reason));
    }

    /** Records an error against this mapping itself. */
    public void error(String reason) {
        errors.add(new ConfigError(document, path, reason));
    }

    /** A text of at most {@link #MAX_TEXT} characters; {@code null} when absent or invalid (the error is recorded). */
    public String string(String key) {
        return string(key, MAX_TEXT);
    }

    /** A text of at most {@code maxLength} characters; {@code null} when absent or invalid (the error is recorded). */
    public String string(String key, int maxLength) {
        Object value = get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            if (s.length() > maxLength) {
                error(key, tooLong(s, maxLength));
                return null;
            }
            return s;
        }
        error(key, "must be text, not " + describe(value));
        return null;
    }

    public String requiredString(String key) {
        String value = string(key);
        if (value == null && !present(key)) {
            error(key, "is required");
        } else if (value != null && value.isBlank()) {
            error(key, "must not be empty");
            return null;
        }
        return value;
    }

    public String string(String key, String fallback) {
        return string(key, fallback, MAX_TEXT);
    }

    public String string(String key, String fallback, int maxLength) {
        String value = string(key, maxLength);
        return value == null ? fallback : value;
    }

    /** An integer in {@code [min, max]}; {@code null} when absent or invalid (the error is recorded). */
    public Integer integer(String key, long min, long max) {
        Object value = get(key);
        if (value == null) {
            return null;
        }
        long number;
        if (value instanceof Integer || value instanceof Long) {
            number = ((Number) value).longValue();
        } else if (value instanceof BigInteger) {
            error(key, value + " is out of range (" + min + " to " + max + ")");
            return null;
        } else {
            error(key, "must be a whole number, not " + describe(value));
            return null;
        }
        if (number < min || number > max) {
            error(key, number + " is out of range (" + min + " to " + max + ")");
            return null;
        }
        return (int) number;
    }

    public Integer requiredInteger(String key, long min, long max) {
        if (!present(key)) {
            error(key, "is required");
            return null;
        }
        return integer(key, min, max);
    }

    public boolean bool(String key, boolean fallback) {
        Object value = get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        error(key, "must be true or false, not " + describe(value));
        return fallback;
    }

    /** A duration such as {@code 250ms}, {@code 5s}, {@code 1.5s}, {@code 2m} or {@code 1h}, within {@code [min, max]}. */
    public Duration duration(String key, Duration fallback, Duration min, Duration max) {
        Object value = get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String text)) {
            error(key, "must be a duration such as 5s or 250ms, not " + describe(value));
            return fallback;
        }
        if (text.length() > QUOTED) {
            error(key, tooLong(text, QUOTED));
            return fallback;
        }
        Duration parsed = Durations.parse(text);
        if (parsed == null) {
            error(key, "'" + text + "' is not a duration (use a number with ms, s, m or h, such as 5s or 250ms)");
            return fallback;
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            error(
                    key,
                    "'" + text + "' is out of range (" + Durations.format(min) + " to " + Durations.format(max) + ")");
            return fallback;
        }
        return parsed;
    }

    /** An enumeration written in the config as one of {@code allowed} (exact spelling). */
    public <E extends Enum<E>> E choice(String key, E fallback, Map<String, E> allowed) {
        String value = string(key);
        if (value == null) {
            return fallback;
        }
        E chosen = allowed.get(value);
        if (chosen == null) {
            error(key, "'" + value + "' is not one of " + new TreeSet<>(allowed.keySet()));
            return fallback;
        }
        return chosen;
    }

    /** An enumeration written in the config as one of its constant names (exact spelling). */
    public <E extends Enum<E>> E choice(String key, E fallback) {
        Map<String, E> byName = new HashMap<>();
        for (E constant : fallback.getDeclaringClass().getEnumConstants()) {
            byName.put(constant.name(), constant);
        }
        return choice(key, fallback, byName);
    }

    public YamlFields object(String key) {
        return of(get(key), document, field(key), errors);
    }

    /** A list of mappings; absent reads as empty. */
    public List<YamlFields> objects(String key) {
        List<YamlFields> out = new ArrayList<>();
        Object value = get(key);
        if (value == null) {
            return out;
        }
        if (!(value instanceof List<?> list)) {
            error(key, "must be a list, not " + describe(value));
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            out.add(of(list.get(i), document, field(key) + "[" + i + "]", errors));
        }
        return out;
    }

    /** A list of non-empty texts of at most {@link #MAX_TEXT} characters; absent reads as empty. */
    public List<String> strings(String key) {
        return strings(key, MAX_TEXT);
    }

    /** A list of non-empty texts of at most {@code maxLength} characters; absent reads as empty. */
    public List<String> strings(String key, int maxLength) {
        List<String> out = new ArrayList<>();
        Object value = get(key);
        if (value == null) {
            return out;
        }
        if (!(value instanceof List<?> list)) {
            error(key, "must be a list, not " + describe(value));
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            if (item instanceof String s && s.length() > maxLength) {
                errors.add(new ConfigError(document, field(key) + "[" + i + "]", tooLong(s, maxLength)));
            } else if (item instanceof String s && !s.isBlank()) {
                out.add(s);
            } else {
                errors.add(new ConfigError(
                        document,
                        field(key) + "[" + i + "]",
                        item instanceof String ? "must not be empty" : "must be text, not " + describe(item)));
            }
        }
        return out;
    }

    /** Reports every key of this mapping that no reader asked for. */
    public void finish() {
        for (Object key : values.keySet()) {
            if (key instanceof String name && !known.contains(name)) {
                error(
                        excerpt(name),
                        "is not a known field"
                                + (known.isEmpty() ? "" : " (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
            }
        }
    }

    private boolean present(String key) {
        known.add(key);
        return values.containsKey(key) && values.get(key) != null;
    }

    private Object get(String key) {
        known.add(key);
        return values.get(key);
    }

    /** Names the length, never the text: it may be megabytes, or a secret pasted into the wrong field. */
    static String tooLong(String text, int maxLength) {
        return "is " + text.length() + " characters long; at most " + maxLength;
    }

    /** {@code text} itself when short, otherwise its start and its length. */
    static String excerpt(String text) {
        return text.length() > QUOTED ? text.substring(0, QUOTED) + "... (" + text.length() + " characters)" : text;
    }

    static String describe(Object value) {
        if (value instanceof Map<?, ?>) {
            return "a mapping";
        }
        if (value instanceof List<?>) {
            return "a list";
        }
        if (value instanceof String s) {
            return s.length() > QUOTED ? "a text of " + s.length() + " characters" : "text '" + s + "'";
        }
        if (value instanceof Boolean b) {
            return "the boolean " + b;
        }
        if (value instanceof Number n) {
            return "the number " + n;
        }
        return String.valueOf(value);
    }
}
