package dev.tandem.appliance.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/** The CLI's HTTP client for the admin API. */
final class AdminClient {

    static final String DEFAULT_SERVER = "https://127.0.0.1:9090";

    private final URI server;
    private final Optional<String> token;
    private final HttpClient http;
    private final SSLContext tls;

    /** @param tls trusts the cluster CA (and may present a client certificate); host names are verified */
    AdminClient(String server, Optional<String> token, SSLContext tls) {
        this.server = URI.create(server.endsWith("/") ? server : server + "/");
        this.token = token;
        this.tls = tls;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(tls)
                .build();
    }

    /** The same client for the admin API at {@code location}'s scheme, host and port (a 421's active). */
    AdminClient at(URI location) {
        return new AdminClient(location.resolve("/").toString(), token, tls);
    }

    /** The admin URL, as given. */
    String server() {
        return server.toString().replaceFirst("/$", "");
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return http.send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String contentType, String body) throws IOException, InterruptedException {
        return http.send(
                request(path)
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(30));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return request;
    }

    String describe(Exception e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SSLException || why.contains("PKIX") || why.contains("certificate")) {
            why +=
                    " (the admin API is TLS with the cluster CA: give its certificate with --ca-file, $TANDEM_CA or --config)";
        }
        return "cannot reach the admin API at " + server + ": " + why;
    }
}
