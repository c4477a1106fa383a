package dev.tandem.xds.model;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * A set of endpoints that serve the same thing. Health checks, TLS and outlier detection join this
 * record as further components; the translation reads them from here.
 */
public record Upstream(String name, List<Endpoint> endpoints, Duration connectTimeout, UpstreamProtocol protocol)
        implements Document {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public Upstream {
        endpoints = endpoints.stream().sorted(Endpoint.ORDER).toList();
    }

    @Override
    public Kind kind() {
        return Kind.Upstream;
    }

    /** A static endpoint. {@code weight} is its share within its locality. */
    public record Endpoint(String address, int port, Locality locality, int weight) {
        static final Comparator<Endpoint> ORDER = Comparator.comparing(Endpoint::locality)
                .thenComparing(Endpoint::address).thenComparingInt(Endpoint::port);
    }

    /** Envoy's locality: where an endpoint runs. Empty strings where not given. */
    public record Locality(String region, String zone, String subZone) implements Comparable<Locality> {
        public static final Locality NONE = new Locality("", "", "");

        private static final Comparator<Locality> ORDER = Comparator.comparing(Locality::region)
                .thenComparing(Locality::zone).thenComparing(Locality::subZone);

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
