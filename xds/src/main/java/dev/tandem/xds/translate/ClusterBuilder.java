package dev.tandem.xds.translate;

import com.google.protobuf.util.Durations;
import dev.tandem.xds.model.DataPlaneKind;
import dev.tandem.xds.model.Upstream;
import dev.tandem.xds.model.Upstream.UpstreamProtocol;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * EDS clusters. Endpoints always come by EDS over ADS, even for static upstreams: an endpoint change
 * then pushes one ClusterLoadAssignment instead of a cluster (which would drain its connections).
 */
final class ClusterBuilder {

    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private ClusterBuilder() {}

    /**
     * @param settings the upstream whose connection settings, health check and outlier detection the
     *                 cluster takes: the upstream itself, or a failover scheme's primary
     */
    static Cluster build(String name, Upstream settings, DataPlaneKind dataPlane) {
        Cluster.Builder cluster = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ConfigSources.ADS))
                .setConnectTimeout(Durations.fromNanos(settings.connectTimeout().toNanos()))
                .setLbPolicy(Cluster.LbPolicy.valueOf(settings.loadBalancing().name()));
        // Proxyless gRPC runs no active health checks, has no panic mode, and its outlier detection
        // knows only success-rate and failure-percentage ejection (it would ignore consecutive errors):
        // all three are Envoy's. Proxyless clients fail over when a priority's connections fail.
        if (dataPlane == DataPlaneKind.ENVOY && settings.outlierDetection() != null) {
            cluster.setOutlierDetection(HealthChecks.outlierDetection(settings.outlierDetection()));
        }
        if (settings.tls() != null) {
            cluster.setTransportSocket(TlsBuilder.upstream(settings.tls()));
        }
        if (dataPlane == DataPlaneKind.ENVOY && settings.healthCheck() != null) {
            cluster.addHealthChecks(HealthChecks.activeCheck(settings.healthCheck(), settings.protocol()));
        }
        if (dataPlane == DataPlaneKind.ENVOY && settings.healthyPanicThreshold() != null) {
            cluster.setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                    .setHealthyPanicThreshold(Percent.newBuilder().setValue(settings.healthyPanicThreshold())));
        }
        // Proxyless gRPC always speaks HTTP/2 and has no use for Envoy's protocol options either.
        if (dataPlane == DataPlaneKind.ENVOY && settings.protocol() == UpstreamProtocol.HTTP2) {
            cluster.putTypedExtensionProtocolOptions(
                    HTTP_PROTOCOL_OPTIONS,
                    EnvoyTypes.pack(HttpProtocolOptions.newBuilder()
                            .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                            .build()));
        }
        return cluster.build();
    }
}
