package dev.tandem.xds.model;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * A set of endpoints that serve the same thing.
 *
 * @param healthCheck           the active health check, or {@code null}
 * @param outlierDetection      passive ejection of failing endpoints, or {@code null}
 * @param healthyPanicThreshold percent of healthy endpoints below which Envoy ignores health and
 *                              balances over all (Envoy's default 50 when {@code null})
 */
public record Upstream(
        String name,
        List<Endpoint> endpoints,
        Duration connectTimeout,
        UpstreamProtocol protocol,
        HealthCheck healthCheck,
        OutlierDetection outlierDetection,
        Integer healthyPanicThreshold,
        LoadBalancing loadBalancing,
        Tls tls)
        implements Document {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final UpstreamProtocol DEFAULT_PROTOCOL = UpstreamProtocol.HTTP1;
    public static final LoadBalancing DEFAULT_LOAD_BALANCING = LoadBalancing.ROUND_ROBIN;

    public Upstream {
        endpoints = endpoints.stream().sorted(Endpoint.ORDER).toList();
    }

    public Upstream(String name, List<Endpoint> endpoints, Duration connectTimeout, UpstreamProtocol protocol) {
        this(name, endpoints, connectTimeout, protocol, null, null, null, DEFAULT_LOAD_BALANCING, null);
    }

    /**
     * TLS to the endpoints, certificates by SDS from the appliance.
     *
     * @param sni     the server name sent and expected; empty for none
     * @param caRef   the {@code Secret} (type CA) that validates the endpoints' certificates
     * @param certRef MUTUAL only: the {@code Secret} (type CERTIFICATE) Envoy presents
     */
    public record Tls(TlsMode mode, String sni, String caRef, String certRef) {
        public static final TlsMode DEFAULT_MODE = TlsMode.SIMPLE;
    }

    public enum TlsMode {
        SIMPLE,
        MUTUAL
    }

    /** Envoy's load-balancing policies; proxyless gRPC knows the first three. */
    public enum LoadBalancing {
        ROUND_ROBIN,
        LEAST_REQUEST,
        RING_HASH,
        RANDOM,
        MAGLEV
    }

    @Override
    public Kind kind() {
        return Kind.Upstream;
    }

    /**
     * A static endpoint. {@code weight} is its share within its locality; a {@code draining} endpoint
     * gets no new requests (EDS health status DRAINING, honoured by Envoy and proxyless gRPC), so
     * draining every endpoint of a failover scheme's primary moves traffic to the next priority.
     */
    public record Endpoint(String address, int port, Locality locality, int weight, boolean draining) {
        /** Equal shares within a locality unless weights say otherwise. */
        public static final int DEFAULT_WEIGHT = 1;

        static final Comparator<Endpoint> ORDER = Comparator.comparing(Endpoint::locality)
                .thenComparing(Endpoint::address)
                .thenComparingInt(Endpoint::port);

        public Endpoint(String address, int port, Locality locality, int weight) {
            this(address, port, locality, weight, false);
        }
    }

    /** Envoy's locality: where an endpoint runs. Empty strings where not given. */
    public record Locality(String region, String zone, String subZone) implements Comparable<Locality> {
        public static final Locality NONE = new Locality("", "", "");

        private static final Comparator<Locality> ORDER = Comparator.comparing(Locality::region)
                .thenComparing(Locality::zone)
                .thenComparing(Locality::subZone);

        @Override
        public int compareTo(Locality other) {
            return ORDER.compare(this, other);
        }
    }

    /** The protocol Envoy speaks to the endpoints; proxyless gRPC clients always speak HTTP/2. */
    public enum UpstreamProtocol {
        HTTP1,
        HTTP2
    }
}
