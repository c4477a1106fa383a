package dev.tandem.xds.translate;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.tandem.xds.model.HealthCheck;
import dev.tandem.xds.model.OutlierDetection;
import dev.tandem.xds.model.Upstream.UpstreamProtocol;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.Builder;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import io.envoyproxy.envoy.type.v3.Int64Range;

/** Envoy's active health checks and outlier detection, from the model's. */
final class HealthChecks {

    private HealthChecks() {}

    static io.envoyproxy.envoy.config.core.v3.HealthCheck activeCheck(HealthCheck check, UpstreamProtocol protocol) {
        io.envoyproxy.envoy.config.core.v3.HealthCheck.Builder out =
                io.envoyproxy.envoy.config.core.v3.HealthCheck.newBuilder()
                        .setTimeout(Durations.fromNanos(check.timeout().toNanos()))
                        .setInterval(Durations.fromNanos(check.interval().toNanos()))
                        .setHealthyThreshold(UInt32Value.of(check.healthyThreshold()))
                        .setUnhealthyThreshold(UInt32Value.of(check.unhealthyThreshold()))
                        // An idle failover target is otherwise checked only every 60 s: it must be known healthy
                        // before traffic spills to it.
                        .setNoTrafficInterval(
                                Durations.fromNanos(check.noTrafficInterval().toNanos()));
        if (!check.jitter().isZero()) {
            out.setIntervalJitter(Durations.fromNanos(check.jitter().toNanos()));
        }
        switch (check.type()) {
            case HTTP -> {
                var http = io.envoyproxy.envoy.config.core.v3.HealthCheck.HttpHealthCheck.newBuilder()
                        .setPath(check.path());
                if (!check.host().isEmpty()) {
                    http.setHost(check.host());
                }
                if (protocol == UpstreamProtocol.HTTP2) {
                    http.setCodecClientType(CodecClientType.HTTP2);
                }
                for (HealthCheck.StatusRange range : check.expectedStatuses()) {
                    // Envoy's ranges are half-open: [start, end).
                    http.addExpectedStatuses(
                            Int64Range.newBuilder().setStart(range.from()).setEnd(range.to() + 1L));
                }
                out.setHttpHealthCheck(http);
            }
            case GRPC ->
                out.setGrpcHealthCheck(io.envoyproxy.envoy.config.core.v3.HealthCheck.GrpcHealthCheck.newBuilder()
                        .setServiceName(check.serviceName()));
            case TCP ->
                out.setTcpHealthCheck(
                        io.envoyproxy.envoy.config.core.v3.HealthCheck.TcpHealthCheck.getDefaultInstance());
        }
        return out.build();
    }

    static io.envoyproxy.envoy.config.cluster.v3.OutlierDetection outlierDetection(OutlierDetection od) {
        Builder out = io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                .setInterval(Durations.fromNanos(od.interval().toNanos()))
                .setBaseEjectionTime(Durations.fromNanos(od.baseEjectionTime().toNanos()))
                .setMaxEjectionPercent(UInt32Value.of(od.maxEjectionPercent()));
        // A zero threshold turns a detector off; Envoy's way is 0 % enforcement.
        out.setConsecutive5Xx(UInt32Value.of(Math.max(od.consecutive5xx(), 1)))
                .setEnforcingConsecutive5Xx(UInt32Value.of(od.consecutive5xx() == 0 ? 0 : 100));
        // Envoy enforces gateway failures at 0 % unless told otherwise: detection alone ejects nothing.
        out.setConsecutiveGatewayFailure(UInt32Value.of(Math.max(od.consecutiveGatewayFailure(), 1)))
                .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(od.consecutiveGatewayFailure() == 0 ? 0 : 100));
        return out.build();
    }
}
