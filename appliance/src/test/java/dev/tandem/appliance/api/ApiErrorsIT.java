package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.peers.PeerDirectory;
import dev.tandem.appliance.testing.LogCapture;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one error mapping on a real Helidon server: an internal failure is answered 500 with a short
 * reference and nothing of the exception; the log has the stack trace under that reference.
 */
class ApiErrorsIT {

    private final AtomicInteger internalErrors = new AtomicInteger();
    private WebServer server;

    @BeforeEach
    void start() {
        RouteTable routes = new RouteTable();
        ApiErrors errors = new ApiErrors(routes, internalErrors::incrementAndGet, PeerDirectory.alone("test"));
        HttpRouting.Builder routing = HttpRouting.builder();
        routing.register(
                        "/api/v1",
                        routes.recording(
                                "/api/v1",
                                rules -> rules.get("/broken", (req, res) -> {
                                            throw new SQLException(
                                                    "table SECRET_THING is corrupt at /var/lib/tandem/tandem.mv.db");
                                        })
                                        .post("/items/{id}", (req, res) -> res.send("ok"))))
                .any(errors::unmatched)
                .error(Exception.class, errors::handle);
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(routing)
                .build()
                .start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void anInternalErrorIsAnsweredWithAReferenceTheLogHas() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            HttpResponse<String> reply = send("GET", "/api/v1/broken");
            assertThat(reply.statusCode()).isEqualTo(500);
            JsonNode body = new ObjectMapper().readTree(reply.body());
            assertThat(body.path("error").asText()).isEqualTo("internal error");
            String detail = body.path("details").get(0).asText();
            assertThat(detail).matches("reference [0-9a-f]{8}: the appliance log has the details under this reference");
            assertThat(reply.body())
                    .doesNotContain("SQLException")
                    .doesNotContain("SECRET_THING")
                    .doesNotContain("/var/lib");
            String reference = detail.substring("reference ".length(), "reference ".length() + 8);
            assertThat(log.lines())
                    .anyMatch(line -> line.startsWith("SEVERE")
                            && line.contains(reference)
                            && line.contains("GET /api/v1/broken")
                            && line.contains("SECRET_THING"));
        }
        assertThat(internalErrors).hasValue(1);
    }

    @Test
    void pathParametersCountForMethodNotAllowed() throws Exception {
        HttpResponse<String> reply = send("DELETE", "/api/v1/items/42");
        assertThat(reply.statusCode()).isEqualTo(405);
        assertThat(reply.headers().firstValue("Allow")).hasValue("POST");
        assertThat(send("GET", "/api/v1/items/42/more").statusCode()).isEqualTo(404);
        assertThat(internalErrors).hasValue(0);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                                .method(method, HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
