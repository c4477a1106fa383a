package dev.tandem.appliance.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The report, from fixed measurements, against golden files written by the report code before it
 * was typed (the untyped maps, as {@code --json} wrote them): the same keys, nesting, order and
 * number formats, and the same printed summary. The old code's few {@code Map.of} objects had an
 * order that changed from run to run; the golden files have their keys sorted, as every other object.
 */
class BenchReportTest {

    private static final Bench.Settings WITH_BASELINE = new Bench.Settings(
            20,
            2,
            20,
            Bench.Protocol.sotw,
            2,
            Duration.ofSeconds(1),
            "2g",
            Path.of("/tmp"),
            true,
            Optional.empty(),
            4,
            2,
            Duration.ofSeconds(3));
    private static final Bench.Settings TANDEM_ONLY = new Bench.Settings(
            3,
            1,
            5,
            Bench.Protocol.delta,
            0,
            Duration.ofMillis(1500),
            "2g",
            Path.of("/tmp"),
            false,
            Optional.empty(),
            0,
            10,
            Duration.ofSeconds(30));

    @Test
    void aRunWithBaselineAndChurnIsWrittenAsBefore() throws IOException {
        TargetReport tandem = measured(WITH_BASELINE, true, 1, changes(1));
        TargetReport baseline = measured(WITH_BASELINE, true, 2.5, changes(3));
        BenchReport report = BenchReport.compared(tandem, baseline);

        assertThat(report.json()).isEqualTo(golden("bench-baseline.json"));
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        out.println("== tandem");
        tandem.printSummary(out);
        out.println("== baseline");
        baseline.printSummary(out);
        report.printRatios(out);
        assertThat(text.toString()).isEqualTo(golden("bench-baseline.txt"));
    }

    @Test
    void aRunAgainstTandemAloneWithNoChangesIsWrittenAsBefore() throws IOException {
        BenchReport report = BenchReport.of(measured(TANDEM_ONLY, false, 1, List.of()));

        assertThat(report.json()).isEqualTo(golden("bench-tandem.json"));
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        out.println("== tandem");
        report.tandem().printSummary(out);
        report.printRatios(out);
        assertThat(text.toString()).isEqualTo(golden("bench-tandem.txt"));
    }

    @Test
    void percentilesAreNearestRankAndZeroWhenThereIsNothing() {
        assertThat(Convergence.of(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(new Convergence(4.0, 2.0, 4.0, 4.0));
        assertThat(Convergence.of(List.of())).isEqualTo(new Convergence(0, 0, 0, 0));
        assertThat(Convergence.percentile(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0), 95))
                .isEqualTo(10.0);
        assertThat(Convergence.percentile(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0), 50))
                .isEqualTo(5.0);
    }

    /** One target's figures; {@code scale} makes the baseline's differ from Tandem's. */
    private static TargetReport measured(
            Bench.Settings settings, boolean churn, double scale, List<ChangeResult> changes) {
        Optional<ChurnResult> churnResult = churn
                ? Optional.of(new ChurnResult(
                        7,
                        ChurnResult.ApplyMillis.of(List.of(5.5 * scale, 7.25, 6.0, 11.125, 4.75, 8.0, 6.5)),
                        types(0, 0, 0, 16800, 0),
                        Convergence.of(List.of(30.5 * scale, 12.0, 44.25, 18.75 * scale, 61.125, 9.5, 27.0)),
                        7 * settings.churnBatch() / (3.5 * scale),
                        settings.churn()))
                : Optional.empty();
        ProcessUsage usage = new ProcessUsage(scale == 1 ? 123456789L : 0, 4567L);
        return new TargetReport(
                12.345678 * scale,
                changes,
                churnResult,
                Convergence.of(changes.stream()
                        .flatMap(c -> c.convergenceMillis().stream())
                        .toList()),
                scale == 1 ? 0 : 3,
                new TargetReport.IdenticalReapply(types(0, 0, 0, 0, 0)),
                1.234567891 * scale,
                new StormResult(0.987654321 * scale, types(0, 0, 0, 0, 0), types(0, 0, 0, 0, 0)),
                TargetReport.Scenario.of(settings),
                new TargetResources(
                        usage.cpuMillis() / 1000.0,
                        scale == 1 ? 72435712L : -1,
                        2.84927904E8 * scale,
                        usage.rssBytes()));
    }

    private static List<ChangeResult> changes(double scale) {
        return List.of(
                new ChangeResult(
                        "endpoint",
                        2,
                        57.25 * scale,
                        List.of(41.5 * scale, 12.125, 60.0, 33.3),
                        types(0, 0, 0, 4460, 0),
                        types(0, 0, 0, 20, 0)),
                new ChangeResult(
                        "route",
                        3,
                        88.0,
                        List.of(90.75, 101.5 * scale, 95.0, 120.25),
                        types(0, 1634760, 0, 0, 0),
                        types(0, 20, 0, 0, 0)));
    }

    private static SortedMap<String, Long> types(
            long listeners, long routes, long clusters, long endpoints, long secrets) {
        SortedMap<String, Long> out = new TreeMap<>();
        out.put("listeners", listeners);
        out.put("routes", routes);
        out.put("clusters", clusters);
        out.put("endpoints", endpoints);
        out.put("secrets", secrets);
        return out;
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = BenchReportTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
