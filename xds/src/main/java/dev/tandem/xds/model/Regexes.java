package dev.tandem.xds.model;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Optional;

/**
 * Envoy and gRPC match regexes with RE2 (no backreferences, no lookaround, linear time); Java's own
 * regex engine accepts more. RE2/J applies RE2's syntax, so a regex refused here is one they would reject.
 */
final class Regexes {

    /** Envoy's default limit on a regex's program size is 100; long patterns are refused as well. */
    private static final int MAX_LENGTH = 1024;

    private Regexes() {}

    /** Why {@code regex} is not an RE2 regex, or empty when it is one. */
    static Optional<String> check(String regex) {
        if (regex.isEmpty()) {
            return Optional.of("must not be empty");
        }
        if (regex.length() > MAX_LENGTH) {
            return Optional.of("is longer than " + MAX_LENGTH + " characters");
        }
        try {
            Pattern.compile(regex);
            return Optional.empty();
        } catch (PatternSyntaxException e) {
            return Optional.of("'" + regex + "' is not an RE2 regex: " + e.getDescription());
        }
    }
}
