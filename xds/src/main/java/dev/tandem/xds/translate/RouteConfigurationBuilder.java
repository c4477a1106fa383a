package dev.tandem.xds.translate;

import com.google.protobuf.util.Durations;
import dev.tandem.xds.model.DataPlane;
import dev.tandem.xds.model.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Route tables: one virtual host per route host, routes ordered most specific first. */
final class RouteConfigurationBuilder {

    /** Longer path prefixes first, so {@code /api/v2} wins over {@code /api}; then by name, for determinism. */
    private static final Comparator<Route> MOST_SPECIFIC_FIRST = Comparator
            .comparing((Route r) -> -r.pathPrefix().length())
            .thenComparing(Route::pathPrefix)
            .thenComparing(Route::name);

    private RouteConfigurationBuilder() {
    }

    static RouteConfiguration build(String name, List<Route> routes, DataPlane dataPlane) {
        Map<String, List<Route>> byHost = new TreeMap<>();
        for (Route route : routes) {
            for (String host : route.hosts()) {
                byHost.computeIfAbsent(host.toLowerCase(Locale.ROOT), h -> new java.util.ArrayList<>()).add(route);
            }
        }
        RouteConfiguration.Builder config = RouteConfiguration.newBuilder().setName(name);
        byHost.forEach((host, hostRoutes) -> {
            VirtualHost.Builder vhost = VirtualHost.newBuilder().setName(host).addDomains(host);
            hostRoutes.stream().sorted(MOST_SPECIFIC_FIRST).forEach(r -> vhost.addRoutes(route(r, dataPlane)));
            config.addVirtualHosts(vhost);
        });
        return config.build();
    }

    private static io.envoyproxy.envoy.config.route.v3.Route route(Route route, DataPlane dataPlane) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster(ResourceNames.cluster(route.to()));
        if (route.timeout() != null) {
            com.google.protobuf.Duration timeout = Durations.fromNanos(route.timeout().toNanos());
            if (dataPlane == DataPlane.PROXYLESS_GRPC) {
                // gRPC clients ignore RouteAction.timeout and read the stream duration instead.
                action.setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(timeout));
            } else {
                action.setTimeout(timeout);
            }
        }
        return io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                .setName(route.name())
                .setMatch(RouteMatch.newBuilder().setPrefix(route.pathPrefix()))
                .setRoute(action)
                .build();
    }
}
