package dev.tandem.xds.model;

import static com.google.common.base.Strings.nullToEmpty;

import java.util.List;

/** Reads the {@code spec} of a {@code FailoverScheme} document: its primary, its failover upstreams in order, its factor. */
final class FailoverSchemeReader {

    private static final int MIN_OVERPROVISIONING_FACTOR = 100;
    private static final int MAX_OVERPROVISIONING_FACTOR = 1000;

    private FailoverSchemeReader() {}

    static FailoverScheme read(String name, YamlFields spec) {
        String primary = spec.requiredString("primary");
        List<String> failover = spec.strings("failover");
        if (failover.isEmpty()) {
            spec.error("failover", "must list at least one failover upstream");
        }
        Integer factor =
                spec.integer("overprovisioningFactor", MIN_OVERPROVISIONING_FACTOR, MAX_OVERPROVISIONING_FACTOR);
        return new FailoverScheme(
                name,
                nullToEmpty(primary),
                failover,
                factor == null ? FailoverScheme.DEFAULT_OVERPROVISIONING_FACTOR : factor);
    }
}
