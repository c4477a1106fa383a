package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.SortedMap;

/**
 * One config change: what it was, its revision, how long the apply took, each node's convergence
 * (reported as percentiles) and what was pushed per type to all nodes.
 *
 * @param convergenceMillis one per node, from the apply request to the node's ACK; kept sorted
 */
@JsonPropertyOrder(alphabetic = true)
record ChangeResult(
        String kind,
        long revision,
        double applyMillis,
        @JsonIgnore List<Double> convergenceMillis,
        SortedMap<String, Long> bytesByType,
        SortedMap<String, Long> responsesByType) {

    ChangeResult {
        convergenceMillis = convergenceMillis.stream().sorted().toList();
    }

    @JsonProperty
    double p50Millis() {
        return Convergence.percentile(convergenceMillis, 50);
    }

    @JsonProperty
    double p99Millis() {
        return Convergence.percentile(convergenceMillis, 99);
    }

    @JsonProperty
    double maxMillis() {
        return Convergence.max(convergenceMillis);
    }

    /** How many nodes converged. */
    int nodes() {
        return convergenceMillis.size();
    }
}
