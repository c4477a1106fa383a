package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.SortedMap;

/**
 * The endpoint churn phase: how many applies, the rate achieved against the rate asked, the applies'
 * own times, the nodes' convergence on each apply, and what was pushed per type to all nodes.
 */
@JsonPropertyOrder(alphabetic = true)
record ChurnResult(
        int applies,
        ApplyMillis applyMillis,
        SortedMap<String, Long> bytesByType,
        Convergence convergenceMillis,
        double endpointChangesPerSecond,
        int targetEndpointChangesPerSecond) {

    /** How long the applies took. */
    @JsonPropertyOrder(alphabetic = true)
    record ApplyMillis(double p50, double p99) {

        static ApplyMillis of(List<Double> millis) {
            List<Double> sorted = millis.stream().sorted().toList();
            return new ApplyMillis(Convergence.percentile(sorted, 50), Convergence.percentile(sorted, 99));
        }
    }
}
