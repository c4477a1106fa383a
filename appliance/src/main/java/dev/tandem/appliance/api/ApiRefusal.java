package dev.tandem.appliance.api;

import io.helidon.http.HeaderName;
import io.helidon.http.Status;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An answer in the one error shape ({@link Json#error}) that a handler or the token filter throws
 * instead of writing it, so that {@link ApiErrors} renders every error answer: its status, its
 * headers (before the body's), {@code error} and {@code details}. It is the caller's mistake or a
 * refusal, not a failure of the appliance: never logged, and it takes no stack trace.
 */
final class ApiRefusal extends RuntimeException {

    private final Status status;
    private final String error;
    private final List<String> details;
    private final Map<HeaderName, String> headers;
    private final Map<String, Object> fields;

    ApiRefusal(Status status, String error, String detail) {
        this(status, error, List.of(detail));
    }

    ApiRefusal(Status status, String error, List<String> details) {
        this(status, error, details, Map.of(), Map.of());
    }

    private ApiRefusal(
            Status status,
            String error,
            List<String> details,
            Map<HeaderName, String> headers,
            Map<String, Object> fields) {
        super(error, null, false, false);
        this.status = status;
        this.error = error;
        this.details = List.copyOf(details);
        this.headers = headers;
        this.fields = fields;
    }

    /** The same refusal with the header {@code name: value} as well. */
    ApiRefusal withHeader(HeaderName name, String value) {
        Map<HeaderName, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiRefusal(status, error, details, more, fields);
    }

    /** The same refusal with one more field in its body, after {@code error} and {@code details}. */
    ApiRefusal withField(String name, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(fields);
        more.put(name, value);
        return new ApiRefusal(status, error, details, headers, more);
    }

    /** Fields of the body beyond {@code error} and {@code details}, in the order they were given. */
    Map<String, Object> fields() {
        return fields;
    }

    Status status() {
        return status;
    }

    String error() {
        return error;
    }

    List<String> details() {
        return details;
    }

    /** In the order they were given. */
    Map<HeaderName, String> headers() {
        return headers;
    }
}
