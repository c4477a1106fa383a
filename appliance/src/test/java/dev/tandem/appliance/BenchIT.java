package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seconds-long smoke of {@code tandem bench}: it runs, and what it reports about pushes holds (an
 * endpoint move pushes only EDS, a route change only RDS, an identical apply nothing). It asserts
 * nothing about time: CI machines are noisy, and the figures are for docs/benchmarks.md.
 */
class BenchIT {

    @TempDir
    Path dir;

    @Test
    void smoke() throws Exception {
        Path report = dir.resolve("bench.json");
        Cli.Result run = Cli.run(
                "bench",
                "--clients",
                "4",
                "--clusters",
                "3",
                "--changes",
                "2",
                "--interval",
                "100ms",
                "--churn",
                "20",
                "--churn-batch",
                "2",
                "--churn-duration",
                "1s",
                "--target-heap",
                "256m",
                "--baseline",
                "--json",
                report.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("4 simulated Envoys (sotw)")
                .contains("convergence over all changes")
                .contains("== baseline")
                .contains("Tandem / baseline");
        JsonNode all = new ObjectMapper().readTree(report.toFile());
        // The baseline ran the same scenario, and the ratios were computed.
        assertThat(all.path("baseline").path("changes")).hasSize(2);
        assertThat(all.path("ratios").path("convergence p99").asText()).isNotEmpty();
        JsonNode json = all.path("tandem");
        JsonNode endpoint = json.path("changes").get(0);
        assertThat(endpoint.path("kind").asText()).isEqualTo("endpoint");
        assertThat(endpoint.path("bytesByType").path("endpoints").asLong()).isPositive();
        for (String other : new String[] {"listeners", "routes", "clusters", "secrets"}) {
            assertThat(endpoint.path("bytesByType").path(other).asLong())
                    .as(other)
                    .isZero();
        }
        JsonNode route = json.path("changes").get(1);
        assertThat(route.path("kind").asText()).isEqualTo("route");
        assertThat(route.path("bytesByType").path("routes").asLong()).isPositive();
        for (String other : new String[] {"listeners", "endpoints", "clusters", "secrets"}) {
            assertThat(route.path("bytesByType").path(other).asLong()).as(other).isZero();
        }
        // Endpoint churn: applies on a schedule, only assignments pushed.
        JsonNode churn = json.path("churn");
        assertThat(churn.path("applies").asInt()).isPositive();
        assertThat(churn.path("bytesByType").path("endpoints").asLong()).isPositive();
        for (String other : new String[] {"listeners", "routes", "clusters", "secrets"}) {
            assertThat(churn.path("bytesByType").path(other).asLong())
                    .as("churn " + other)
                    .isZero();
        }
        assertThat(all.path("baseline").path("churn").path("applies").asInt()).isPositive();
        json.path("identicalReapply")
                .path("bytes")
                .properties()
                .forEach(e -> assertThat(e.getValue().asLong()).as(e.getKey()).isZero());
        assertThat(json.path("failedStreams").asLong()).isZero();
        // Reconnecting to the same appliance, every node says what it has and is sent none of it again.
        assertThat(json.path("reconnectStorm").path("allConnectedSeconds").asDouble())
                .isPositive();
        json.path("reconnectStorm")
                .path("bytesResentUnchanged")
                .properties()
                .forEach(e -> assertThat(e.getValue().asLong())
                        .as("re-sent " + e.getKey())
                        .isZero());
        assertThat(json.path("target").path("rssBytes").asLong()).isPositive();
        assertThat(json.path("target").path("heapLiveBytes").asLong())
                .as("live heap after a full GC (jcmd)")
                .isPositive();
    }
}
