package dev.tandem.appliance.api;

import io.helidon.common.uri.UriPath;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every route of the admin API by method and path pattern, recorded as the services declare them
 * (no second list to keep in step). It tells a wrong method on a known path (405 with {@code Allow})
 * from an unknown path (404).
 */
final class RouteTable {

    /** One declared route. */
    record Route(Method method, String pattern, PathMatcher matcher) {}

    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** {@code service} as Helidon should register it under {@code prefix}, its routes recorded here. */
    HttpService recording(String prefix, HttpService service) {
        return rules -> service.routing(new Recording(rules, prefix));
    }

    HttpService[] recording(String prefix, HttpService... services) {
        return Arrays.stream(services).map(s -> recording(prefix, s)).toArray(HttpService[]::new);
    }

    /** Every route recorded so far, in the order declared. */
    List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The methods routed for {@code path}, by name (empty: the path is unknown). */
    Set<String> allowed(String path) {
        UriPath uri = UriPath.create(path);
        Set<String> out = new TreeSet<>();
        for (Route route : routes) {
            if (route.matcher().match(uri).accepted()) {
                out.add(route.method().text());
            }
        }
        return out;
    }

    private void record(Method method, String prefix, String pattern) {
        String full = prefix + pattern;
        routes.add(new Route(method, full, PathMatchers.create(full)));
    }

    /**
     * Forwards to Helidon's rules, recording each method route declared with a path: {@code get},
     * {@code post}, {@code delete} and the others all come through {@code route(method, path, handler)}.
     */
    private final class Recording implements HttpRules {

        private final HttpRules rules;
        private final String prefix;

        Recording(HttpRules rules, String prefix) {
            this.rules = rules;
            this.prefix = prefix;
        }

        @Override
        public HttpRules register(HttpService... services) {
            rules.register(recording(prefix, services));
            return this;
        }

        @Override
        public HttpRules register(String pathPattern, HttpService... services) {
            rules.register(pathPattern, recording(prefix + pathPattern, services));
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            // Routes built by hand carry no readable pattern; the services here declare theirs by method.
            throw new UnsupportedOperationException("declare admin API routes with get/post/put/delete(path, handler)");
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Handler handler) {
            record(method, prefix, pathPattern);
            rules.route(method, pathPattern, handler);
            return this;
        }
    }
}
