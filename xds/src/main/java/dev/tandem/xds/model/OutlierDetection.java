package dev.tandem.xds.model;

import java.time.Duration;

/**
 * Passive health: endpoints that fail requests are ejected for a while. Envoy and proxyless gRPC
 * both honour it. A zero threshold turns that detector off.
 */
public record OutlierDetection(
        int consecutive5xx,
        int consecutiveGatewayFailure,
        Duration interval,
        Duration baseEjectionTime,
        int maxEjectionPercent) {

    public static final int DEFAULT_CONSECUTIVE_5XX = 5;
    /** Off: 502, 503 and 504 are 5xx, which {@code consecutive5xx} counts already. */
    public static final int DEFAULT_CONSECUTIVE_GATEWAY_FAILURE = 0;

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;
}
