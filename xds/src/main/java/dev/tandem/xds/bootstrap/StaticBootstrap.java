package dev.tandem.xds.bootstrap;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An Envoy bootstrap that serves exactly a node group's exported resources with no control plane:
 * everything in {@code static_resources}. Route tables are inlined into their connection managers
 * (no RDS), each cluster carries its endpoints (no EDS: {@code STATIC}, or {@code STRICT_DNS} when an
 * endpoint is a host name), and secrets are static and referenced by name (no SDS). Failover
 * priorities, health checks, outlier detection and TLS stay as the control plane served them.
 */
public final class StaticBootstrap {

    private StaticBootstrap() {}

    /**
     * @throws IllegalArgumentException when the resources are not an Envoy group's (a proxyless gRPC
     *                                  group has API listeners, which Envoy cannot serve) or refer to
     *                                  a route table or endpoints the group does not have
     */
    public static Bootstrap build(String nodeId, GroupResources resources) {
        Map<String, RouteConfiguration> routes =
                byName(resources.routes().stream().toList(), RouteConfiguration::getName);
        Map<String, ClusterLoadAssignment> endpoints =
                byName(resources.endpoints(), ClusterLoadAssignment::getClusterName);
        Bootstrap.StaticResources.Builder statics = Bootstrap.StaticResources.newBuilder();
        for (Listener listener : resources.listeners()) {
            if (listener.hasApiListener()) {
                throw new IllegalArgumentException("node group '" + resources.nodeGroup()
                        + "' is served to proxyless gRPC " + "clients (listener '" + listener.getName()
                        + "' is an API listener); an Envoy cannot run it");
            }
            statics.addListeners(inline(listener, routes));
        }
        for (Cluster cluster : resources.clusters()) {
            statics.addClusters(withEndpoints(cluster, endpoints));
        }
        statics.addAllSecrets(resources.secrets());
        return Bootstrap.newBuilder()
                .setNode(Node.newBuilder().setId(nodeId).setCluster(resources.nodeGroup()))
                .setAdmin(Admin.newBuilder()
                        .setAddress(Address.newBuilder()
                                .setSocketAddress(SocketAddress.newBuilder()
                                        .setAddress("127.0.0.1")
                                        .setPortValue(EnvoyBootstrap.ADMIN_PORT))))
                .setStaticResources(statics)
                .build();
    }

    private static Listener inline(Listener listener, Map<String, RouteConfiguration> routes) {
        Listener.Builder builder = listener.toBuilder();
        for (FilterChain.Builder chain : builder.getFilterChainsBuilderList()) {
            for (Filter.Builder filter : chain.getFiltersBuilderList()) {
                if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
                    HttpConnectionManager hcm = unpack(filter.getTypedConfig(), HttpConnectionManager.class);
                    if (hcm.hasRds()) {
                        RouteConfiguration table = routes.get(hcm.getRds().getRouteConfigName());
                        if (table == null) {
                            throw new IllegalArgumentException(
                                    "listener '" + listener.getName() + "' uses route table '"
                                            + hcm.getRds().getRouteConfigName() + "', which the export does not hold");
                        }
                        filter.setTypedConfig(Any.pack(
                                hcm.toBuilder().clearRds().setRouteConfig(table).build()));
                    }
                }
            }
            if (chain.hasTransportSocket()
                    && chain.getTransportSocket().getTypedConfig().is(DownstreamTlsContext.class)) {
                DownstreamTlsContext tls =
                        unpack(chain.getTransportSocket().getTypedConfig(), DownstreamTlsContext.class);
                chain.setTransportSocket(socket(
                        chain.getTransportSocket(),
                        tls.toBuilder()
                                .setCommonTlsContext(staticSecrets(tls.getCommonTlsContext()))
                                .build()));
            }
        }
        return builder.build();
    }

    private static Cluster withEndpoints(Cluster cluster, Map<String, ClusterLoadAssignment> endpoints) {
        Cluster.Builder builder = cluster.toBuilder();
        if (cluster.getType() == Cluster.DiscoveryType.EDS) {
            String name = cluster.getEdsClusterConfig().getServiceName().isEmpty()
                    ? cluster.getName()
                    : cluster.getEdsClusterConfig().getServiceName();
            ClusterLoadAssignment assignment = endpoints.get(name);
            if (assignment == null) {
                throw new IllegalArgumentException(
                        "cluster '" + cluster.getName() + "' has no endpoints in the export");
            }
            boolean names = assignment.getEndpointsList().stream()
                    .flatMap(l -> l.getLbEndpointsList().stream())
                    .anyMatch(e -> !e.getEndpoint()
                            .getAddress()
                            .getSocketAddress()
                            .getAddress()
                            .matches("[0-9.]+|.*:.*"));
            builder.clearEdsClusterConfig()
                    .setType(names ? Cluster.DiscoveryType.STRICT_DNS : Cluster.DiscoveryType.STATIC)
                    .setLoadAssignment(assignment);
        }
        if (cluster.hasTransportSocket()
                && cluster.getTransportSocket().getTypedConfig().is(UpstreamTlsContext.class)) {
            UpstreamTlsContext tls = unpack(cluster.getTransportSocket().getTypedConfig(), UpstreamTlsContext.class);
            builder.setTransportSocket(socket(
                    cluster.getTransportSocket(),
                    tls.toBuilder()
                            .setCommonTlsContext(staticSecrets(tls.getCommonTlsContext()))
                            .build()));
        }
        return builder.build();
    }

    /** An SDS reference without a config source names a secret of {@code static_resources.secrets}. */
    private static CommonTlsContext staticSecrets(CommonTlsContext common) {
        CommonTlsContext.Builder builder = common.toBuilder();
        for (SdsSecretConfig.Builder sds : builder.getTlsCertificateSdsSecretConfigsBuilderList()) {
            sds.clearSdsConfig();
        }
        if (builder.hasValidationContextSdsSecretConfig()) {
            builder.getValidationContextSdsSecretConfigBuilder().clearSdsConfig();
        }
        if (builder.hasCombinedValidationContext()
                && builder.getCombinedValidationContext().hasValidationContextSdsSecretConfig()) {
            builder.getCombinedValidationContextBuilder()
                    .getValidationContextSdsSecretConfigBuilder()
                    .clearSdsConfig();
        }
        return builder.build();
    }

    private static TransportSocket socket(TransportSocket original, Message config) {
        return original.toBuilder().setTypedConfig(Any.pack(config)).build();
    }

    private static <T extends Message> T unpack(Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("unreadable " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
        return items.stream().collect(Collectors.toMap(name, Function.identity(), (a, b) -> a));
    }

    /** Envoy's YAML. */
    public static String toYaml(Bootstrap bootstrap) {
        return EnvoyBootstrap.toYaml(bootstrap);
    }
}
