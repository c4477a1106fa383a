package dev.tandem.appliance.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.Jackson;
import dev.tandem.xds.model.ConfigError;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's JSON: request bodies read, answers written (indented, {@link Jackson#INDENTED}), and
 * its one error shape: {@code {"error": "...", "details": [...]}} (a refused gateway config adds
 * {@code errors}: {@link #invalidConfig}).
 */
final class Json {

    private Json() {}

    static void send(ServerResponse res, Status status, Object body) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(text(body));
    }

    /** An answer in the one error shape, as text: for refusals the web server makes before routing. */
    static String errorText(String error, List<String> details) {
        return text(errorBody(error, details));
    }

    private static String text(Object body) {
        try {
            return Jackson.INDENTED.writeValueAsString(body) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serializable", e);
        }
    }

    static void ok(ServerResponse res, Object body) {
        send(res, Status.OK_200, body);
    }

    static void error(ServerResponse res, Status status, String error, List<String> details) {
        send(res, status, errorBody(error, details));
    }

    /** The error shape with more fields after {@code error} and {@code details} (a 421 names the active). */
    static void error(
            ServerResponse res, Status status, String error, List<String> details, Map<String, Object> fields) {
        Map<String, Object> body = errorBody(error, details);
        body.putAll(fields);
        send(res, status, body);
    }

    /**
     * The error shape of a refused gateway config: {@code details} as for every error, and
     * {@code errors} with each one's document, field, reason and, where known, its line and column in
     * the body that was sent (for editors and the CLI to point at).
     */
    static void invalidConfig(ServerResponse res, List<ConfigError> errors) {
        Map<String, Object> body = errorBody(
                "invalid gateway config: " + errors.size() + " error(s)",
                errors.stream().map(ConfigError::toString).toList());
        body.put("errors", errors.stream().map(Json::configError).toList());
        send(res, Status.BAD_REQUEST_400, body);
    }

    private static Map<String, Object> errorBody(String error, List<String> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("details", details);
        return body;
    }

    private static Map<String, Object> configError(ConfigError error) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("document", error.document());
        out.put("field", error.field());
        out.put("reason", error.reason());
        if (error.position().known()) {
            out.put("line", error.position().line());
            out.put("column", error.position().column());
        }
        return out;
    }

    /**
     * The request's JSON body ({@code {}} when it has none).
     *
     * @throws ApiRefusal 400 when it is not JSON
     */
    static JsonNode body(ServerRequest req) {
        return body(req, "the body must be JSON");
    }

    /**
     * The request's JSON body ({@code {}} when it has none).
     *
     * @param notJson the detail of the 400 when it is not JSON (it may show the shape expected)
     * @throws ApiRefusal 400 when it is not JSON
     */
    static JsonNode body(ServerRequest req, String notJson) {
        try {
            return Jackson.MAPPER.readTree(
                    req.content().hasEntity() ? req.content().as(String.class) : "{}");
        } catch (JsonProcessingException e) {
            throw new ApiRefusal(Status.BAD_REQUEST_400, "invalid body", notJson);
        }
    }
}
