package dev.tandem.xds.translate;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.tandem.xds.model.DataPlaneKind;
import dev.tandem.xds.model.Route;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Route tables: one virtual host per route host, routes ordered most specific first (Envoy and gRPC
 * take the first route that matches): exact paths, then regexes, then prefixes, longer before
 * shorter; at the same path, routes with more header rules first; then by name.
 */
final class RouteConfigurationBuilder {

    private static final Comparator<Route> MOST_SPECIFIC_FIRST = Comparator.comparing(
                    (Route r) -> r.match().pathKind() == Route.PathKind.EXACT
                            ? 0
                            : r.match().pathKind() == Route.PathKind.REGEX ? 1 : 2)
            .thenComparing(r -> -r.match().path().length())
            .thenComparing(r -> r.match().path())
            .thenComparing(r -> -r.match().headers().size())
            .thenComparing(Route::name);

    private RouteConfigurationBuilder() {}

    static RouteConfiguration build(String name, List<Route> routes, DataPlaneKind dataPlane) {
        Map<String, List<Route>> byHost = new TreeMap<>();
        for (Route route : routes) {
            for (String host : route.hosts()) {
                byHost.computeIfAbsent(host.toLowerCase(Locale.ROOT), h -> new ArrayList<>())
                        .add(route);
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

    private static io.envoyproxy.envoy.config.route.v3.Route route(Route route, DataPlaneKind dataPlane) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster(ResourceNames.cluster(route.to()));
        if (route.timeout() != null) {
            Duration timeout = Durations.fromNanos(route.timeout().toNanos());
            if (dataPlane == DataPlaneKind.PROXYLESS_GRPC) {
                // gRPC clients ignore RouteAction.timeout and read the stream duration instead.
                action.setMaxStreamDuration(
                        RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(timeout));
            } else {
                action.setTimeout(timeout);
            }
        }
        if (route.retries() != null) {
            RetryPolicy.Builder retry = RetryPolicy.newBuilder()
                    .setRetryOn(String.join(",", route.retries().retryOn()))
                    .setNumRetries(UInt32Value.of(route.retries().attempts()));
            if (route.retries().perTryTimeout() != null) {
                retry.setPerTryTimeout(
                        Durations.fromNanos(route.retries().perTryTimeout().toNanos()));
            }
            action.setRetryPolicy(retry);
        }
        io.envoyproxy.envoy.config.route.v3.Route.Builder out = io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                .setName(route.name())
                .setMatch(match(route.match()))
                .setRoute(action);
        for (Route.Header h : route.requestHeaders().set()) {
            out.addRequestHeadersToAdd(HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey(h.name()).setValue(h.value()))
                    .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
        }
        out.addAllRequestHeadersToRemove(route.requestHeaders().remove());
        return out.build();
    }

    private static RouteMatch match(Route.Match match) {
        RouteMatch.Builder out = RouteMatch.newBuilder();
        switch (match.pathKind()) {
            case EXACT -> out.setPath(match.path());
            case PREFIX -> out.setPrefix(match.path());
            case REGEX -> out.setSafeRegex(RegexMatcher.newBuilder().setRegex(match.path()));
        }
        for (Route.HeaderMatch h : match.headers()) {
            HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(h.name());
            switch (h.kind()) {
                case EXACT -> header.setStringMatch(StringMatcher.newBuilder().setExact(h.value()));
                case PREFIX -> header.setStringMatch(StringMatcher.newBuilder().setPrefix(h.value()));
                case REGEX ->
                    header.setStringMatch(StringMatcher.newBuilder()
                            .setSafeRegex(RegexMatcher.newBuilder().setRegex(h.value())));
                case PRESENT -> header.setPresentMatch(true);
            }
            out.addHeaders(header);
        }
        return out.build();
    }
}
