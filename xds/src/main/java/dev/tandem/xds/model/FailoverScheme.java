package dev.tandem.xds.model;

import java.util.List;

/**
 * Gloo Federation's failover scheme: traffic goes to {@link #primary()} while it is healthy, then
 * spills to each of {@link #failover()} in order. Translated into one Envoy cluster whose endpoint
 * assignment holds the primary at priority 0 and failover upstream {@code i} at priority {@code i + 1}.
 * The primary's connection settings, health check and outlier detection apply to all priorities.
 *
 * @param overprovisioningFactor Envoy's: priority {@code p} takes {@code min(100, healthy% × factor / 100)}
 *                               of the traffic left to it; 100 makes failover strict
 */
public record FailoverScheme(String name, String primary, List<String> failover, int overprovisioningFactor)
        implements Document {

    /** Envoy's default: a priority spills to the next below 100/140 ≈ 71.4 % healthy endpoints. */
    public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;

    public FailoverScheme {
        failover = List.copyOf(failover);
    }

    @Override
    public Kind kind() {
        return Kind.FailoverScheme;
    }
}
