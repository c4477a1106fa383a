package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What the bench measured against one target (Tandem or the baseline), and its printed summary.
 *
 * @param churn             present when the run had a churn phase ({@code --churn})
 * @param convergenceMillis over every node of every change
 * @param failedStreams     streams that failed and were retried, over all nodes
 * @param initialServeSeconds from the first connection until every node had ACKed its whole config
 */
@JsonPropertyOrder(alphabetic = true)
record TargetReport(
        double certificatesIssuedMillis,
        List<ChangeResult> changes,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Optional<ChurnResult> churn,
        Convergence convergenceMillis,
        long failedStreams,
        IdenticalReapply identicalReapply,
        double initialServeSeconds,
        StormResult reconnectStorm,
        Scenario settings,
        TargetResources target) {

    /** What an apply of the config already served pushed per type: nothing, when all is well. */
    record IdenticalReapply(SortedMap<String, Long> bytes) {}

    /** The load, as {@code tandem bench} was asked for it. */
    @JsonPropertyOrder(alphabetic = true)
    record Scenario(int changes, int clients, int clusters, int groups, long intervalMillis, Bench.Protocol protocol) {

        static Scenario of(Bench.Settings settings) {
            return new Scenario(
                    settings.changes(),
                    settings.clients(),
                    settings.clusters(),
                    settings.groups(),
                    settings.interval().toMillis(),
                    settings.protocol());
        }
    }

    /** The table of changes, then a line for each of the other figures. */
    void printSummary(PrintWriter out) {
        out.println();
        out.printf(
                "%-6s %-9s %9s %10s %10s %10s %10s   %s%n",
                "change",
                "kind",
                "apply ms",
                "p50 ms",
                "p99 ms",
                "max ms",
                "nodes",
                "bytes pushed per type (all nodes)");
        for (int i = 0; i < changes.size(); i++) {
            ChangeResult r = changes.get(i);
            out.printf(
                    "%-6d %-9s %9.1f %10.1f %10.1f %10.1f %10d   %s%n",
                    i + 1,
                    r.kind(),
                    r.applyMillis(),
                    r.p50Millis(),
                    r.p99Millis(),
                    r.maxMillis(),
                    r.nodes(),
                    r.bytesByType());
        }
        out.println();
        out.println("convergence over all changes (ms): " + ReportJson.inline(convergenceMillis));
        churn.ifPresent(c -> out.println("endpoint churn: " + ReportJson.inline(c)));
        out.println("identical re-apply: " + ReportJson.inline(identicalReapply));
        out.println("reconnect storm: " + ReportJson.inline(reconnectStorm));
        out.println("target: " + ReportJson.inline(target) + "; failed (and retried) streams: " + failedStreams);
        out.flush();
    }
}
