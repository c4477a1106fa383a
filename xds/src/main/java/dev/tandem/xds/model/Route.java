package dev.tandem.xds.model;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Requests for {@link #hosts()} that satisfy {@link #match()}, on the listeners of {@link #gateways()},
 * go to {@link #to()}.
 *
 * @param timeout        the whole request's timeout; {@code null} keeps the data plane's default
 * @param retries        retry policy, or {@code null} for none
 * @param requestHeaders headers added to or removed from the request before it goes upstream (Envoy only)
 */
public record Route(
        String name,
        List<String> gateways,
        List<String> hosts,
        Match match,
        Target to,
        Duration timeout,
        Retries retries,
        HeaderEdits requestHeaders)
        implements Document {

    public Route {
        gateways = gateways.stream().distinct().sorted().toList();
        hosts = hosts.stream().distinct().sorted().toList();
    }

    @Override
    public Kind kind() {
        return Kind.Route;
    }

    /** A copy serving only {@code host} (proxyless route tables hold one host each). */
    public Route withHosts(List<String> only) {
        return new Route(name, gateways, only, match, to, timeout, retries, requestHeaders);
    }

    /** Where a route sends traffic: an upstream, or a failover scheme (one cluster with priorities). */
    public record Target(TargetKind kind, String name) {}

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

    /** How a request is matched: one path rule and any number of header rules, all of which must hold. */
    public record Match(PathKind pathKind, String path, List<HeaderMatch> headers) {
        /** Every request; its path rule is also the one a {@code spec.match} without a path rule gets. */
        public static final Match ALL = new Match(PathKind.PREFIX, "/", List.of());

        public Match {
            headers = headers.stream()
                    .sorted(Comparator.comparing(HeaderMatch::name)
                            .thenComparing(HeaderMatch::kind)
                            .thenComparing(HeaderMatch::value))
                    .toList();
        }
    }

    /** The field under {@code spec.match} that carries each kind of path rule. */
    public enum PathKind {
        EXACT("path"),
        PREFIX("pathPrefix"),
        REGEX("pathRegex");

        private final String field;

        PathKind(String field) {
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** A header rule: the header is {@code present}, or its value is {@code exact}, starts with {@code prefix}, matches {@code regex}. */
    public record HeaderMatch(String name, HeaderMatchKind kind, String value) {}

    public enum HeaderMatchKind {
        EXACT,
        PREFIX,
        REGEX,
        PRESENT
    }

    /**
     * @param attempts      retries after the first try
     * @param perTryTimeout Envoy only; {@code null} for the route's timeout
     * @param retryOn       Envoy's {@code retry_on} conditions (gRPC status names for proxyless groups)
     */
    public record Retries(int attempts, Duration perTryTimeout, List<String> retryOn) {
        public static final List<String> DEFAULT_RETRY_ON = List.of("5xx", "connect-failure", "reset");

        /** Envoy's retry_on conditions; the last five are gRPC status names, which proxyless clients accept alone. */
        static final Set<String> RETRY_ON = Set.of(
                "5xx",
                "gateway-error",
                "reset",
                "connect-failure",
                "envoy-ratelimited",
                "retriable-4xx",
                "refused-stream",
                "retriable-status-codes",
                "retriable-headers",
                "cancelled",
                "deadline-exceeded",
                "internal",
                "resource-exhausted",
                "unavailable");

        static final Set<String> GRPC_RETRY_ON =
                Set.of("cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");

        public Retries {
            retryOn = retryOn.stream().distinct().sorted().toList();
        }
    }

    /** Request headers to set (replacing any value) and to remove. */
    public record HeaderEdits(List<Header> set, List<String> remove) {
        public static final HeaderEdits NONE = new HeaderEdits(List.of(), List.of());

        public HeaderEdits {
            set = set.stream().sorted(Comparator.comparing(Header::name)).toList();
            remove = remove.stream().distinct().sorted().toList();
        }

        public boolean isEmpty() {
            return set.isEmpty() && remove.isEmpty();
        }
    }

    public record Header(String name, String value) {}
}
