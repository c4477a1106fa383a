package dev.tandem.xds.model;

/**
 * One thing wrong with a gateway config, named the way an operator finds it:
 * the document ({@code Route 'orders'}, or {@code document 3} when it has no kind or name yet),
 * the field path inside it ({@code spec.to.upstream}), and the reason.
 *
 * <p>{@link #toString()} reads {@code Route 'orders': spec.to.upstream 'x' does not exist}.
 */
public record ConfigError(String document, String field, String reason) {

    public ConfigError {
        if (document == null || document.isBlank()) {
            throw new IllegalArgumentException("document is required");
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("reason is required");
        }
        field = field == null ? "" : field;
    }

    @Override
    public String toString() {
        return field.isEmpty() ? document + ": " + reason : document + ": " + field + " " + reason;
    }
}
