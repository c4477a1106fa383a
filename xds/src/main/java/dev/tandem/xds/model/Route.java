package dev.tandem.xds.model;

import java.time.Duration;
import java.util.List;

/**
 * Requests for {@link #hosts()} whose path starts with {@link #pathPrefix()}, on the listeners of
 * {@link #gateways()}, go to {@link #to()}.
 *
 * @param timeout the whole request's timeout; {@code null} keeps the data plane's default
 */
public record Route(String name, List<String> gateways, List<String> hosts, String pathPrefix, Target to, Duration timeout)
        implements Document {

    public Route {
        gateways = gateways.stream().distinct().sorted().toList();
        hosts = hosts.stream().distinct().sorted().toList();
    }

    @Override
    public Kind kind() {
        return Kind.Route;
    }

    /** Where a route sends traffic: an upstream, or a failover scheme (one cluster with priorities). */
    public record Target(TargetKind kind, String name) {
    }

    public enum TargetKind {
        UPSTREAM("upstream"),
        FAILOVER_SCHEME("failoverScheme");

        private final String field;

        TargetKind(String field) {
            this.field = field;
        }

        /** The field under {@code spec.to} that names this target. */
        public String field() {
            return field;
        }
    }
}
