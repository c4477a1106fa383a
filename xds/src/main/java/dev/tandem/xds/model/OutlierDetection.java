package dev.tandem.xds.model;

import java.time.Duration;

/**
 * Passive health: endpoints that fail requests are ejected for a while. Envoy and proxyless gRPC
 * both honour it. A zero threshold turns that detector off.
 */
public record OutlierDetection(int consecutive5xx, int consecutiveGatewayFailure, Duration interval,
                               Duration baseEjectionTime, int maxEjectionPercent) {
}
