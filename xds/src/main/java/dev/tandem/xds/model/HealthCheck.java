package dev.tandem.xds.model;

import java.time.Duration;
import java.util.List;

/**
 * An active health check that Envoy runs against every endpoint of an upstream (and, in a failover
 * scheme, against every priority). Proxyless gRPC clients run no active checks; they fail over on
 * connection failures and outlier detection.
 *
 * @param path             HTTP only: the request path
 * @param host             HTTP only: the Host header; empty for the cluster's name
 * @param expectedStatuses HTTP only: accepted status ranges, each {@code [from, to]} inclusive
 * @param serviceName      GRPC only: the service asked of {@code grpc.health.v1.Health}; empty for the server
 * @param noTrafficInterval how often an endpoint that gets no traffic is checked (a failover target
 *                          waiting for its turn); the interval unless set
 */
public record HealthCheck(
        Type type,
        String path,
        String host,
        List<StatusRange> expectedStatuses,
        String serviceName,
        Duration interval,
        Duration timeout,
        int healthyThreshold,
        int unhealthyThreshold,
        Duration jitter,
        Duration noTrafficInterval) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_HEALTHY_THRESHOLD = 2;
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;
    public static final Duration DEFAULT_JITTER = Duration.ZERO;
    /** HTTP: any 2xx is healthy. */
    public static final List<StatusRange> DEFAULT_EXPECTED_STATUSES = List.of(new StatusRange(200, 299));

    public enum Type {
        HTTP,
        GRPC,
        TCP
    }

    /** HTTP statuses {@code from} to {@code to}, inclusive. */
    public record StatusRange(int from, int to) {}

    public HealthCheck {
        expectedStatuses = List.copyOf(expectedStatuses);
    }
}
