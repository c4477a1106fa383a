package dev.tandem.xds.model;

/**
 * One thing wrong with a gateway config, named the way an operator finds it:
 * the document ({@code Route 'orders'}, or {@code document 3} when it has no kind or name yet),
 * the field path inside it ({@code spec.to.upstream}), the reason, and where it is in the text that
 * was sent ({@link Position}, when the loader can tell).
 *
 * <p>{@link #toString()} reads {@code Route 'orders': spec.to.upstream 'x' does not exist}.
 */
public record ConfigError(String document, String field, String reason, Position position) {

    /**
     * A place in a YAML text, 1-based as editors count: the field's value, or the mapping that lacks
     * a required field. {@link #UNKNOWN} where no place applies (a file with no documents).
     */
    public record Position(int line, int column) {

        public static final Position UNKNOWN = new Position(0, 0);

        public Position {
            if (line < 0 || column < 0 || (line == 0) != (column == 0)) {
                throw new IllegalArgumentException("no such position: line " + line + ", column " + column);
            }
        }

        public boolean known() {
            return line > 0;
        }

        /** {@code 12:5}, the form compilers and editors read. */
        @Override
        public String toString() {
            return known() ? line + ":" + column : "unknown position";
        }
    }

    public ConfigError {
        if (document == null || document.isBlank()) {
            throw new IllegalArgumentException("document is required");
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("reason is required");
        }
        if (position == null) {
            throw new IllegalArgumentException("position is required (Position.UNKNOWN when there is none)");
        }
        field = field == null ? "" : field;
    }

    /** An error whose place is found afterwards ({@link ConfigPositions}). */
    public ConfigError(String document, String field, String reason) {
        this(document, field, reason, Position.UNKNOWN);
    }

    public ConfigError at(Position where) {
        return new ConfigError(document, field, reason, where);
    }

    /** {@code 12:5: Route 'orders': ...}, or only the message when the place is unknown. */
    public String located() {
        return position.known() ? position + ": " + this : toString();
    }

    @Override
    public String toString() {
        return field.isEmpty() ? document + ": " + reason : document + ": " + field + " " + reason;
    }
}
