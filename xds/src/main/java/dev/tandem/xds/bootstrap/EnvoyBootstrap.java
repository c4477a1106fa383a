package dev.tandem.xds.bootstrap;

import com.google.gson.Gson;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.tandem.xds.translate.EnvoyTypes;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.BackoffStrategy;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.RetryPolicy;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.WatchedDirectory;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * An Envoy bootstrap that fetches everything over ADS from a Tandem cluster. Every peer is an endpoint
 * of one {@code xds_cluster}, health-checked over gRPC health: Envoy's own failover between two
 * {@code grpc_services} only works while the first has never answered, so it is not used.
 */
public final class EnvoyBootstrap {

    public static final String XDS_CLUSTER = "xds_cluster";
    public static final int ADMIN_PORT = 9901;

    private EnvoyBootstrap() {}

    /**
     * @param tls the data plane's certificate files for mTLS to the peers; empty for peers that serve
     *            plaintext ({@code xds.insecure})
     */
    public static Bootstrap build(String nodeId, String nodeGroup, List<XdsPeer> peers, Optional<XdsClientTls> tls) {
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("a bootstrap needs at least one Tandem peer");
        }
        ConfigSource ads = ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)
                .build();
        return Bootstrap.newBuilder()
                .setNode(Node.newBuilder().setId(nodeId).setCluster(nodeGroup))
                .setAdmin(Admin.newBuilder().setAddress(socket("127.0.0.1", ADMIN_PORT)))
                .setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                        .setAdsConfig(ApiConfigSource.newBuilder()
                                .setApiType(ApiConfigSource.ApiType.GRPC)
                                .setTransportApiVersion(ApiVersion.V3)
                                .addGrpcServices(GrpcService.newBuilder()
                                        .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                                                .setClusterName(XDS_CLUSTER)
                                                // Reconnects after a peer is lost: quick first, then backing off.
                                                .setRetryPolicy(RetryPolicy.newBuilder()
                                                        .setRetryBackOff(BackoffStrategy.newBuilder()
                                                                .setBaseInterval(Durations.fromMillis(250))
                                                                .setMaxInterval(Durations.fromSeconds(10)))))))
                        .setLdsConfig(ads)
                        .setCdsConfig(ads))
                .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(xdsCluster(peers, tls)))
                .build();
    }

    private static Cluster xdsCluster(List<XdsPeer> peers, Optional<XdsClientTls> tls) {
        LocalityLbEndpoints.Builder endpoints = LocalityLbEndpoints.newBuilder();
        peers.stream()
                .sorted(Comparator.comparing(XdsPeer::name))
                .forEach(p -> endpoints.addLbEndpoints(LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder()
                                .setHostname(p.name())
                                .setAddress(socket(p.address(), p.port())))));
        boolean allIps = peers.stream().allMatch(p -> p.address().matches("[0-9.]+|.*:.*"));
        Cluster.Builder cluster = Cluster.newBuilder();
        tls.ifPresent(t -> cluster.setTransportSocket(TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")
                .setTypedConfig(EnvoyTypes.pack(upstreamTls(t, peers)))));
        return cluster.setName(XDS_CLUSTER)
                .setType(allIps ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
                .setConnectTimeout(Durations.fromSeconds(1))
                .putTypedExtensionProtocolOptions(
                        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                        EnvoyTypes.pack(HttpProtocolOptions.newBuilder()
                                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                        .setHttp2ProtocolOptions(Http2ProtocolOptions.newBuilder()
                                                .setConnectionKeepalive(KeepaliveSettings.newBuilder()
                                                        .setInterval(Durations.fromSeconds(30))
                                                        .setTimeout(Durations.fromSeconds(5)))))
                                .build()))
                // A peer that is not ready (or lagging, once peers replicate) answers NOT_SERVING.
                .addHealthChecks(HealthCheck.newBuilder()
                        .setTimeout(Durations.fromSeconds(1))
                        .setInterval(Durations.fromSeconds(5))
                        .setNoTrafficInterval(Durations.fromSeconds(5))
                        .setUnhealthyThreshold(UInt32Value.of(2))
                        .setHealthyThreshold(UInt32Value.of(1))
                        .setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance()))
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName(XDS_CLUSTER)
                        .addEndpoints(endpoints))
                .build();
    }

    /**
     * The client certificate and the cluster CA from files in a watched folder (a renewed certificate
     * is picked up without a restart); a peer must present a certificate naming its address or host.
     */
    private static UpstreamTlsContext upstreamTls(XdsClientTls tls, List<XdsPeer> peers) {
        WatchedDirectory watched =
                WatchedDirectory.newBuilder().setPath(tls.directory()).build();
        CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setFilename(tls.caFile()))
                .setWatchedDirectory(watched);
        peers.stream()
                .map(XdsPeer::address)
                .distinct()
                .sorted()
                .forEach(address -> validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                        .setSanType(
                                address.matches("[0-9.]+|.*:.*")
                                        ? SubjectAltNameMatcher.SanType.IP_ADDRESS
                                        : SubjectAltNameMatcher.SanType.DNS)
                        .setMatcher(StringMatcher.newBuilder().setExact(address))));
        return UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificates(TlsCertificate.newBuilder()
                                .setCertificateChain(DataSource.newBuilder().setFilename(tls.certificateFile()))
                                .setPrivateKey(DataSource.newBuilder().setFilename(tls.privateKeyFile()))
                                .setWatchedDirectory(watched))
                        .setValidationContext(validation))
                .build();
    }

    private static Address socket(String address, int port) {
        return Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))
                .build();
    }

    /** Envoy's YAML form of the bootstrap (proto field names). */
    public static String toYaml(Bootstrap bootstrap) {
        Object tree = new Load(LoadSettings.builder().build()).loadFromString(EnvoyTypes.toJson(bootstrap));
        return new Dump(DumpSettings.builder()
                        .setDefaultFlowStyle(FlowStyle.BLOCK)
                        .setWidth(200)
                        .build())
                .dumpToString(tree);
    }

    /** Reads a bootstrap back strictly: every field must be one of Envoy's. */
    @SuppressWarnings("unchecked")
    public static Bootstrap parseYaml(String yaml) throws InvalidProtocolBufferException {
        Map<String, Object> tree =
                (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
        return EnvoyTypes.parseJson(new Gson().toJson(tree), Bootstrap.newBuilder())
                .build();
    }
}
