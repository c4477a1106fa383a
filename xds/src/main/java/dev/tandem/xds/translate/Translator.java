package dev.tandem.xds.translate;

import dev.tandem.xds.model.DataPlaneKind;
import dev.tandem.xds.model.FailoverScheme;
import dev.tandem.xds.model.Gateway;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.model.Route;
import dev.tandem.xds.model.Route.Target;
import dev.tandem.xds.model.Upstream;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The pure translation of a validated {@link GatewayConfig} into the Envoy resources of each node
 * group. Same config in, same resources out, byte for byte: everything is sorted and every name is
 * derived from the model. No I/O, no clock, no randomness.
 */
public final class Translator {

    private Translator() {}

    /** Resources per node group, sorted by group. */
    public static SortedMap<String, GroupResources> translate(GatewayConfig config) {
        SortedMap<String, GroupResources> out = new TreeMap<>();
        for (String group : config.nodeGroups()) {
            out.put(group, translateGroup(config, group));
        }
        return out;
    }

    static GroupResources translateGroup(GatewayConfig config, String group) {
        List<Gateway> gateways = config.gatewaysOf(group);
        DataPlaneKind dataPlane = gateways.get(0).dataPlane();
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routeConfigurations = new ArrayList<>();
        TreeSet<Target> targets = new TreeSet<>(Comparator.comparing(ResourceNames::cluster));
        if (dataPlane == DataPlaneKind.PROXYLESS_GRPC) {
            // One API listener and route table per host, holding the routes of every gateway of the group.
            Map<String, List<Route>> byHost = new TreeMap<>();
            for (Gateway gateway : gateways) {
                for (Route route : config.routesOf(gateway)) {
                    targets.add(route.to());
                    for (String host : route.hosts()) {
                        List<Route> routes = byHost.computeIfAbsent(host, h -> new ArrayList<>());
                        if (!routes.contains(route)) {
                            routes.add(route);
                        }
                    }
                }
            }
            byHost.forEach((host, routes) -> {
                listeners.add(ListenerBuilder.apiListener(host));
                routeConfigurations.add(RouteConfigurationBuilder.build(
                        ResourceNames.apiListener(host),
                        routes.stream().map(r -> withHosts(r, host)).toList(),
                        dataPlane));
            });
        } else {
            for (Gateway gateway : gateways) {
                List<Route> routes = config.routesOf(gateway);
                routes.forEach(r -> targets.add(r.to()));
                gateway.listeners().forEach(l -> listeners.add(ListenerBuilder.socketListener(gateway, l)));
                routeConfigurations.add(
                        RouteConfigurationBuilder.build(ResourceNames.routeConfiguration(gateway), routes, dataPlane));
            }
        }
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        for (Target target : targets) {
            List<Upstream> byPriority = priorities(config, target);
            String name = ResourceNames.cluster(target);
            clusters.add(ClusterBuilder.build(name, byPriority.get(0), dataPlane));
            Integer factor = target.kind() == Route.TargetKind.FAILOVER_SCHEME
                    ? config.failoverScheme(target.name()).orElseThrow().overprovisioningFactor()
                    : null;
            assignments.add(LoadAssignmentBuilder.build(name, byPriority, factor));
        }
        // The secrets this group's listeners and clusters name, and no others.
        Set<String> secretNames = new TreeSet<>();
        for (Gateway gateway : gateways) {
            gateway.listeners().stream()
                    .map(Gateway.GatewayListener::certRef)
                    .filter(r -> !r.isEmpty())
                    .forEach(secretNames::add);
        }
        for (Target target : targets) {
            Upstream settings = priorities(config, target).get(0);
            if (settings.tls() != null) {
                secretNames.add(settings.tls().caRef());
                if (!settings.tls().certRef().isEmpty()) {
                    secretNames.add(settings.tls().certRef());
                }
            }
        }
        List<Secret> secrets = secretNames.stream()
                .map(name -> TlsBuilder.secret(config.secret(name).orElseThrow()))
                .toList();
        return new GroupResources(
                group,
                listeners,
                routeConfigurations,
                clusters,
                assignments,
                secrets,
                gateways.get(0).rollout());
    }

    /** A proxyless route table serves exactly one host: keep only that host on the route. */
    private static Route withHosts(Route route, String host) {
        return route.withHosts(List.of(host));
    }

    private static List<Upstream> priorities(GatewayConfig config, Target target) {
        return switch (target.kind()) {
            case UPSTREAM -> List.of(config.upstream(target.name()).orElseThrow());
            case FAILOVER_SCHEME -> {
                FailoverScheme scheme = config.failoverScheme(target.name()).orElseThrow();
                List<Upstream> out = new ArrayList<>();
                out.add(config.upstream(scheme.primary()).orElseThrow());
                scheme.failover().forEach(name -> out.add(config.upstream(name).orElseThrow()));
                yield out;
            }
        };
    }
}
