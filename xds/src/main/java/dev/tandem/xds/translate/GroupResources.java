package dev.tandem.xds.translate;

import dev.tandem.xds.model.Gateway;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The Envoy resources of one node group, each list sorted by resource name, and how they roll out.
 */
public record GroupResources(
        String nodeGroup,
        List<Listener> listeners,
        List<RouteConfiguration> routes,
        List<Cluster> clusters,
        List<ClusterLoadAssignment> endpoints,
        List<Secret> secrets,
        Gateway.Rollout rollout) {

    public GroupResources(
            String nodeGroup,
            List<Listener> listeners,
            List<RouteConfiguration> routes,
            List<Cluster> clusters,
            List<ClusterLoadAssignment> endpoints) {
        this(nodeGroup, listeners, routes, clusters, endpoints, List.of(), Gateway.Rollout.DEFAULT);
    }

    public GroupResources {
        secrets = sortedBy(secrets, Secret::getName);
        listeners = sortedBy(listeners, Listener::getName);
        routes = sortedBy(routes, RouteConfiguration::getName);
        clusters = sortedBy(clusters, Cluster::getName);
        endpoints = sortedBy(endpoints, ClusterLoadAssignment::getClusterName);
    }

    /** What a node group gets when no gateway names it any more: nothing, served explicitly. */
    public static GroupResources empty(String nodeGroup) {
        return new GroupResources(nodeGroup, List.of(), List.of(), List.of(), List.of());
    }

    private static <T> List<T> sortedBy(List<T> items, Function<T, String> name) {
        return items.stream().sorted(Comparator.comparing(name)).toList();
    }
}
