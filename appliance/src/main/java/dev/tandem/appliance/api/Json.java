package dev.tandem.appliance.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.Jackson;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's JSON: request bodies read, answers written (indented, {@link Jackson#INDENTED}), and
 * its one error shape: {@code {"error": "...", "details": [...]}}.
 */
final class Json {

    private Json() {}

    static void send(ServerResponse res, Status status, Object body) {
        String text;
        try {
            text = Jackson.INDENTED.writeValueAsString(body) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serializable", e);
        }
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(text);
    }

    static void ok(ServerResponse res, Object body) {
        send(res, Status.OK_200, body);
    }

    static void error(ServerResponse res, Status status, String error, List<String> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("details", details);
        send(res, status, body);
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
