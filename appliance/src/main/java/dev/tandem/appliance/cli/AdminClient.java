package dev.tandem.appliance.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The CLI's HTTP client for the admin API. */
final class AdminClient {

    static final String DEFAULT_SERVER = "http://127.0.0.1:9090";

    private final URI server;
    private final java.util.Optional<String> token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminClient(String server, java.util.Optional<String> token) {
        this.server = URI.create(server.endsWith("/") ? server : server + "/");
        this.token = token;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String contentType, String body) throws IOException, InterruptedException {
        return http.send(request(path).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(30));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return request;
    }

    String describe(Exception e) {
        return "cannot reach the admin API at " + server + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
