package dev.tandem.fallback;

/**
 * An export object that must not be used, and why, in words an operator can act on. {@link #reason()}
 * is short and stable (for metrics and tests): malformed, unsigned, foreign-key, tampered, encrypted,
 * undecryptable, wrong-group, wrong-revision.
 */
public final class BundleRejected extends Exception {

    private static final long serialVersionUID = 1L;
    private final String reason;

    public BundleRejected(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
