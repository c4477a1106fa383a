package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A revision whose publish fails is stored all the same (its number is never reused) and the apply
 * says so: 201 with {@code published: false} and the reason, the status and metrics show it, the
 * appliance is not ready, and the publish is retried until it succeeds.
 */
class PublishFailureIT {

    @TempDir
    Path dir;

    private final AtomicBoolean failing = new AtomicBoolean();
    private Appliance appliance;
    private AdminHttp admin;

    @BeforeEach
    void start() throws Exception {
        appliance = Appliance.start(
                new ApplianceConfig(
                                "publish-it",
                                dir.resolve("data"),
                                new ApplianceConfig.Endpoint("127.0.0.1", 0),
                                new ApplianceConfig.Endpoint("127.0.0.1", 0),
                                Optional.empty())
                        .withPki(TestPki.settings("publish-it")),
                resources -> resources,
                group -> {
                    if (failing.get() && group.equals("edge")) {
                        throw new IllegalStateException("a stream of node group edge could not be written");
                    }
                });
        admin = AdminHttp.withTokenFrom(appliance.adminPort(), dir.resolve("data"));
    }

    @AfterEach
    void stop() {
        appliance.close();
    }

    @Test
    void aFailedPublishIsStoredSaidAndRetriedUntilItSucceeds() throws Exception {
        String gateway = Files.readString(Path.of("../samples/quickstart/gateway.yaml"));
        Reply first = admin.post("/api/v1/apply", gateway);
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().path("published").asBoolean()).isTrue();
        assertThat(first.json().has("publishError")).isFalse();

        failing.set(true);
        Reply second = admin.post("/api/v1/apply", gateway.replace("port: 50051", "port: 50061"));
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.json().path("revision").asLong()).isEqualTo(2);
        assertThat(second.json().path("published").asBoolean()).isFalse();
        // The groups and a reference the log has the cause under; never the cause itself.
        String error = second.json().path("publishError").asText();
        assertThat(error)
                .matches("revision 2 could not be published to node group\\(s\\) 'edge' \\(reference [0-9a-f]{8}: "
                        + "the appliance log has the cause\\)")
                .doesNotContain("stream");
        // Stored, with its audit entry; the other group got it, the failed one keeps what it had.
        assertThat(admin.get("/api/v1/revisions/2").status()).isEqualTo(200);
        JsonNode status = admin.get("/api/v1/status").json();
        assertThat(status.path("revision").asLong()).isEqualTo(2);
        assertThat(status.path("publication").path("published").asBoolean()).isFalse();
        assertThat(status.path("publication").path("error").asText()).contains("'edge'");
        assertThat(status.path("nodeGroups")
                        .path("grpc-clients")
                        .path("revision")
                        .asLong())
                .isEqualTo(2);
        assertThat(status.path("nodeGroups").path("edge").path("revision").asLong())
                .isEqualTo(1);
        assertThat(admin.get("/readyz").status()).isEqualTo(503);
        String metrics = admin.get("/metrics").body();
        assertThat(metrics)
                .contains("tandem_publish_failing 1.0")
                .containsPattern("tandem_publish_failures_total [1-9]");

        failing.set(false);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> admin.get("/api/v1/status")
                        .json()
                        .path("publication")
                        .path("published")
                        .asBoolean());
        JsonNode after = admin.get("/api/v1/status").json();
        assertThat(after.path("publication").path("revision").asLong()).isEqualTo(2);
        assertThat(after.path("publication").path("attempts").asInt()).isGreaterThan(1);
        assertThat(after.path("nodeGroups").path("edge").path("revision").asLong())
                .isEqualTo(2);
        assertThat(admin.get("/readyz").status()).isEqualTo(200);
        assertThat(admin.get("/metrics").body()).contains("tandem_publish_failing 0.0");
        // A number is never reused: the next apply is revision 3.
        assertThat(admin.post("/api/v1/apply", gateway).json().path("revision").asLong())
                .isEqualTo(3);
    }
}
