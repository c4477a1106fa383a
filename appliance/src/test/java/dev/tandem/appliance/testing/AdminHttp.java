package dev.tandem.appliance.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** An HTTPS client for the admin API, as an operator's script would use it: it trusts the cluster CA only. */
public final class AdminHttp {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration ANSWER = Duration.ofSeconds(30);

    private final String base;
    private final String token;
    private final Path caFile;
    private final HttpClient http;
    private final Duration timeout;

    /** Without a token: only health, readiness and metrics answer. */
    public AdminHttp(int port) {
        this(port, null);
    }

    /** Against an appliance of the test CA ({@link TestPki}). */
    public AdminHttp(int port, String token) {
        this(port, token, TestPki.caFile());
    }

    /** Against an appliance whose cluster CA is {@code caFile} (one that made its own PKI). */
    public AdminHttp(int port, String token, Path caFile) {
        this(port, token, caFile, ANSWER);
    }

    private AdminHttp(int port, String token, Path caFile, Duration timeout) {
        this.base = "https://127.0.0.1:" + port;
        this.token = token;
        this.caFile = caFile;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                // A paused server completes no TLS handshake either: one waited for waits for the connection too.
                .connectTimeout(timeout.compareTo(ANSWER) > 0 ? timeout : CONNECT)
                .sslContext(TestPki.adminTls(caFile))
                .build();
    }

    /**
     * Reads the token the appliance wrote on first start into its data directory, and trusts the CA it
     * created there (or the test CA it was given).
     */
    public static AdminHttp withTokenFrom(int port, Path dataDir) {
        Path own = dataDir.resolve("pki/ca.pem");
        try {
            return new AdminHttp(
                    port,
                    Files.readString(dataDir.resolve("admin-token")).trim(),
                    Files.exists(own) ? own : TestPki.caFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cluster CA this client trusts. */
    public Path caFile() {
        return caFile;
    }

    /** The same server with another token (or none). */
    public AdminHttp as(String otherToken) {
        return new AdminHttp(port(), otherToken, caFile, timeout);
    }

    /** The same server and token, waiting up to {@code wait} for an answer (a server paused on purpose). */
    public AdminHttp waiting(Duration wait) {
        return new AdminHttp(port(), token, caFile, wait);
    }

    private int port() {
        return Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
    }

    public String base() {
        return base;
    }

    public record Reply(int status, JsonNode json, String body, HttpHeaders headers) {}

    /** The data plane {@code nodeId} as {@code /api/v1/status} lists it, or a missing node. */
    public JsonNode dataPlane(String nodeId) {
        for (JsonNode plane : get("/api/v1/status").json().path("dataPlanes")) {
            if (plane.path("nodeId").asText().equals(nodeId)) {
                return plane;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Reply post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Any method, with an optional YAML body. */
    public Reply request(String method, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/yaml")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body)));
    }

    private Reply send(HttpRequest.Builder request) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response =
                    http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = JSON.readTree(response.body());
            } catch (IOException e) {
                json = null;
            }
            return new Reply(response.statusCode(), json, response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
