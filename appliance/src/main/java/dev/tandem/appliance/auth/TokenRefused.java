package dev.tandem.appliance.auth;

/** A join or peer token refused, in words an operator can act on, with a reason for the metrics. */
public final class TokenRefused extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    TokenRefused(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** unknown-token, used-token, expired-token; for data planes also node-id-taken. */
    public String reason() {
        return reason;
    }
}
