package dev.tandem.xds.model;

import java.util.List;

/**
 * Gloo Federation's failover scheme: traffic goes to {@link #primary()} while it is healthy, then
 * spills to each of {@link #failover()} in order. Translated into one Envoy cluster whose endpoint
 * assignment holds the primary at priority 0 and failover upstream {@code i} at priority {@code i + 1}.
 */
public record FailoverScheme(String name, String primary, List<String> failover) implements Document {

    public FailoverScheme {
        failover = List.copyOf(failover);
    }

    @Override
    public Kind kind() {
        return Kind.FailoverScheme;
    }
}
