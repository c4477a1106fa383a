package dev.tandem.appliance.bench;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What the target process used at the end of the run.
 *
 * @param heapLiveBytes the heap right after a full collection; -1 when this runtime has no {@code jcmd}
 * @param heapUsedBytes the used heap at that moment, garbage included
 */
@JsonPropertyOrder(alphabetic = true)
record TargetResources(double cpuSeconds, long heapLiveBytes, double heapUsedBytes, long rssBytes) {}
