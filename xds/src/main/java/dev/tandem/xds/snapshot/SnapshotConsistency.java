package dev.tandem.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks that a node group's resources refer only to each other and hold nothing unreferenced:
 * listener → route configuration (in socket and API listeners), route → cluster, EDS cluster →
 * load assignment. java-control-plane's {@code ensureConsistent()} finds connection managers only under
 * the deprecated filter name {@code envoy.http_connection_manager} and never inside API listeners
 * (docs/decisions/0002-snapshot-consistency.md), so Tandem checks the whole graph itself.
 */
public final class SnapshotConsistency {

    private SnapshotConsistency() {}

    /** @return every broken or dangling reference, empty when consistent */
    public static List<String> problems(GroupResources resources) {
        List<String> problems = new ArrayList<>();
        Set<String> routeNames = names(
                resources.routes().stream().map(RouteConfiguration::getName).toList());
        Set<String> referencedRoutes = new TreeSet<>();
        for (Listener listener : resources.listeners()) {
            for (HttpConnectionManager hcm : connectionManagers(listener, problems)) {
                if (hcm.hasRds()) {
                    referencedRoutes.add(hcm.getRds().getRouteConfigName());
                }
            }
        }
        compare("listeners refer to route configuration", referencedRoutes, routeNames, problems);

        Set<String> clusterNames =
                names(resources.clusters().stream().map(Cluster::getName).toList());
        Set<String> referencedClusters = new TreeSet<>();
        for (RouteConfiguration rc : resources.routes()) {
            for (VirtualHost vh : rc.getVirtualHostsList()) {
                for (Route r : vh.getRoutesList()) {
                    if (r.hasRoute() && !r.getRoute().getCluster().isEmpty()) {
                        referencedClusters.add(r.getRoute().getCluster());
                    }
                }
            }
        }
        compare("routes refer to cluster", referencedClusters, clusterNames, problems);

        Set<String> edsNames = names(resources.clusters().stream()
                .filter(c -> c.getType() == Cluster.DiscoveryType.EDS)
                .map(c -> c.getEdsClusterConfig().getServiceName().isEmpty()
                        ? c.getName()
                        : c.getEdsClusterConfig().getServiceName())
                .toList());
        Set<String> assignmentNames = names(resources.endpoints().stream()
                .map(ClusterLoadAssignment::getClusterName)
                .toList());
        compare("EDS clusters refer to load assignment", edsNames, assignmentNames, problems);

        Set<String> referencedSecrets = new TreeSet<>();
        for (Cluster c : resources.clusters()) {
            if (c.hasTransportSocket()) {
                sdsNames(c.getTransportSocket().getTypedConfig(), referencedSecrets, problems);
            }
        }
        for (Listener l : resources.listeners()) {
            for (FilterChain chain : l.getFilterChainsList()) {
                if (chain.hasTransportSocket()) {
                    sdsNames(chain.getTransportSocket().getTypedConfig(), referencedSecrets, problems);
                }
            }
        }
        compare(
                "TLS contexts refer to secret",
                referencedSecrets,
                names(resources.secrets().stream()
                        .map(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret::getName)
                        .toList()),
                problems);
        return problems;
    }

    private static List<HttpConnectionManager> connectionManagers(Listener listener, List<String> problems) {
        List<Any> configs = new ArrayList<>();
        if (listener.hasApiListener()) {
            configs.add(listener.getApiListener().getApiListener());
        }
        for (FilterChain chain : listener.getFilterChainsList()) {
            for (Filter filter : chain.getFiltersList()) {
                configs.add(filter.getTypedConfig());
            }
        }
        List<HttpConnectionManager> out = new ArrayList<>();
        for (Any any : configs) {
            if (any.is(HttpConnectionManager.class)) {
                try {
                    out.add(any.unpack(HttpConnectionManager.class));
                } catch (InvalidProtocolBufferException e) {
                    problems.add("listener '" + listener.getName() + "' has an unreadable connection manager: "
                            + e.getMessage());
                }
            }
        }
        return out;
    }

    private static void sdsNames(Any config, Set<String> into, List<String> problems) {
        try {
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext common;
            if (config.is(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class)) {
                common = config.unpack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class)
                        .getCommonTlsContext();
            } else if (config.is(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.class)) {
                common = config.unpack(
                                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.class)
                        .getCommonTlsContext();
            } else {
                return;
            }
            common.getTlsCertificateSdsSecretConfigsList().forEach(c -> into.add(c.getName()));
            if (common.hasValidationContextSdsSecretConfig()) {
                into.add(common.getValidationContextSdsSecretConfig().getName());
            }
        } catch (InvalidProtocolBufferException e) {
            problems.add("unreadable TLS context: " + e.getMessage());
        }
    }

    private static void compare(String what, Set<String> referenced, Set<String> present, List<String> problems) {
        Set<String> missing =
                referenced.stream().filter(n -> !present.contains(n)).collect(Collectors.toCollection(TreeSet::new));
        Set<String> unused =
                present.stream().filter(n -> !referenced.contains(n)).collect(Collectors.toCollection(TreeSet::new));
        if (!missing.isEmpty()) {
            problems.add(what + " missing from the snapshot: " + missing);
        }
        if (!unused.isEmpty()) {
            problems.add("unreferenced (" + what + "): " + unused);
        }
    }

    private static Set<String> names(List<String> names) {
        return new TreeSet<>(names);
    }
}
