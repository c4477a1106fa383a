package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.peers.PeerDirectory;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission of applies on a real HTTP server, with the parse held on a latch instead of timed: the
 * permits taken, one more refused with 503 and Retry-After in the API's error shape, and a waiting apply
 * let in when a permit frees.
 */
class ApplyAdmissionIT {

    private static final int CONCURRENT = 2;

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger busy = new AtomicInteger();
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private WebServer server;
    private ApplyAdmission admission;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop();
        }
        client.close();
    }

    @Test
    void oneApplyPastTheLimitGets503WithRetryAfter() throws Exception {
        start(Duration.ofMillis(200));
        List<CompletableFuture<HttpResponse<String>>> held = List.of(post(), post());
        await().until(() -> admission.running() == CONCURRENT);

        HttpResponse<String> refused = post().get();

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
        JsonNode body = new ObjectMapper().readTree(refused.body());
        assertThat(body.path("error").asText()).isEqualTo("busy: 2 apply(s) being processed");
        assertThat(body.path("details").get(0).asText())
                .isEqualTo("no apply slot freed within 200 ms; retry after 1 s");
        assertThat(busy).hasValue(1);

        release.countDown();
        for (CompletableFuture<HttpResponse<String>> h : held) {
            assertThat(h.get().statusCode()).isEqualTo(201);
        }
        // The handler answers before its permit is given back: the answer can arrive first.
        await().until(() -> admission.running() == 0);
    }

    @Test
    void aWaitingApplyRunsWhenAPermitFrees() throws Exception {
        start(Duration.ofMinutes(1));
        List<CompletableFuture<HttpResponse<String>>> held = List.of(post(), post());
        await().until(() -> admission.running() == CONCURRENT);
        CompletableFuture<HttpResponse<String>> waiting = post();
        await().until(() -> admission.waiting() == 1);

        release.countDown();

        assertThat(waiting.get().statusCode()).isEqualTo(201);
        for (CompletableFuture<HttpResponse<String>> h : held) {
            assertThat(h.get().statusCode()).isEqualTo(201);
        }
        assertThat(busy).hasValue(0);
    }

    private void start(Duration wait) {
        admission = new ApplyAdmission(CONCURRENT, wait, busy::incrementAndGet);
        // The refusal is thrown; the API's error handler writes it.
        ApiErrors errors = new ApiErrors(new RouteTable(), () -> {}, PeerDirectory.alone("test"));
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(r -> r.post(
                                "/apply",
                                (req, res) -> admission.call(() -> {
                                    release.await();
                                    Json.send(res, Status.CREATED_201, Map.of("revision", 1));
                                    return true;
                                }))
                        .error(Exception.class, errors::handle))
                .build()
                .start();
    }

    private CompletableFuture<HttpResponse<String>> post() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/apply"))
                .POST(HttpRequest.BodyPublishers.ofString("kind: Gateway\n"))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }
}
