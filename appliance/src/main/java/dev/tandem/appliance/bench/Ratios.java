package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Locale;

/**
 * Tandem / baseline of one run on one machine, two decimals ({@code n/a} where the baseline's figure
 * is 0): only these compare across machines, never the figures themselves.
 */
@JsonPropertyOrder(alphabetic = true)
record Ratios(
        @JsonProperty("convergence max") String convergenceMax,
        @JsonProperty("convergence p50") String convergenceP50,
        @JsonProperty("convergence p95") String convergenceP95,
        @JsonProperty("convergence p99") String convergenceP99,
        String cpuSeconds,
        String heapLiveBytes,
        String heapUsedBytes,
        @JsonProperty("reconnect storm seconds") String reconnectStormSeconds,
        String rssBytes) {

    static Ratios of(TargetReport tandem, TargetReport baseline) {
        Convergence t = tandem.convergenceMillis();
        Convergence b = baseline.convergenceMillis();
        TargetResources tt = tandem.target();
        TargetResources bt = baseline.target();
        return new Ratios(
                ratio(t.max(), b.max()),
                ratio(t.p50(), b.p50()),
                ratio(t.p95(), b.p95()),
                ratio(t.p99(), b.p99()),
                ratio(tt.cpuSeconds(), bt.cpuSeconds()),
                ratio(tt.heapLiveBytes(), bt.heapLiveBytes()),
                ratio(tt.heapUsedBytes(), bt.heapUsedBytes()),
                ratio(
                        tandem.reconnectStorm().allConnectedSeconds(),
                        baseline.reconnectStorm().allConnectedSeconds()),
                ratio(tt.rssBytes(), bt.rssBytes()));
    }

    private static String ratio(double x, double y) {
        return y == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", x / y);
    }
}
