package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** Convergence times (ms) of many nodes and changes: percentiles and the slowest. */
@JsonPropertyOrder(alphabetic = true)
record Convergence(double max, double p50, double p95, double p99) {

    static Convergence of(List<Double> millis) {
        List<Double> sorted = millis.stream().sorted().toList();
        return new Convergence(max(sorted), percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99));
    }

    /** The nearest-rank percentile {@code p} of {@code sorted}; 0 when it is empty. */
    static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** The last of {@code sorted}; 0 when it is empty. */
    static double max(List<Double> sorted) {
        return sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
    }
}
