package dev.tandem.appliance.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The admin API's one JSON writer and its one error shape: {@code {"error": "...", "details": [...]}}. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static void send(ServerResponse res, Status status, Object body) {
        String text;
        try {
            text = MAPPER.writeValueAsString(body) + "\n";
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
}
