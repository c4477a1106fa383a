package dev.tandem.xds.model;

import dev.tandem.xds.model.Route.Target;
import dev.tandem.xds.model.Route.TargetKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the {@code spec} of a {@code Route} document: its gateways and hosts, its match, its target,
 * its timeout and retries, and the request headers it edits.
 */
final class RouteReader {

    private static final Pattern HOST = Pattern.compile(
            "(\\*|(\\*\\.)?[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*)(:[0-9]{1,5})?");
    private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

    /** A DNS name (253 characters) and a port ({@code :65535}). */
    private static final int MAX_HOST = 253 + 6;

    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    private static final int MIN_ATTEMPTS = 1;
    private static final int MAX_ATTEMPTS = 10;

    private RouteReader() {}

    static Route read(String name, YamlFields spec) {
        List<String> gateways = spec.strings("gateways");
        if (gateways.isEmpty() && !spec.has("gateways")) {
            spec.error("gateways", "is required (the gateways whose listeners serve this route)");
        } else if (gateways.isEmpty()) {
            spec.error("gateways", "must name at least one gateway");
        }
        List<String> hosts = spec.strings("hosts", MAX_HOST);
        if (hosts.isEmpty()) {
            spec.error("hosts", "must list at least one host (or \"*\")");
        }
        for (int i = 0; i < hosts.size(); i++) {
            if (!HOST.matcher(hosts.get(i)).matches()) {
                spec.error(
                        "hosts[" + i + "]",
                        "'" + hosts.get(i) + "' is not a host name (name, *.suffix, * or name:port)");
            }
        }
        Route.Match match = match(spec.object("match"));
        Target target = null;
        if (!spec.has("to")) {
            spec.error("to", "is required (an upstream or a failoverScheme)");
        } else {
            target = target(spec.object("to"));
        }
        Duration timeout = spec.duration("timeout", null, MIN_TIMEOUT, MAX_TIMEOUT);
        Route.Retries retries = spec.has("retries") ? retries(spec.object("retries")) : null;
        Route.HeaderEdits headers =
                spec.has("requestHeaders") ? headerEdits(spec.object("requestHeaders")) : Route.HeaderEdits.NONE;
        return new Route(name, gateways, hosts, match, target, timeout, retries, headers);
    }

    /** The upstream or failover scheme {@code spec.to} names; {@code null} when it names neither or both (reported). */
    private static Target target(YamlFields to) {
        String upstream = to.string("upstream");
        String scheme = to.string("failoverScheme");
        Target target = null;
        if (upstream != null && scheme != null) {
            to.error("names both an upstream and a failoverScheme; choose one");
        } else if (upstream != null) {
            target = new Target(TargetKind.UPSTREAM, upstream);
        } else if (scheme != null) {
            target = new Target(TargetKind.FAILOVER_SCHEME, scheme);
        } else {
            to.error("must name an upstream or a failoverScheme");
        }
        to.finish();
        return target;
    }

    private static Route.Match match(YamlFields m) {
        List<Route.PathKind> given = new ArrayList<>();
        for (Route.PathKind kind : Route.PathKind.values()) {
            if (m.has(kind.field())) {
                given.add(kind);
            }
        }
        Route.PathKind kind = Route.Match.ALL.pathKind();
        String path = Route.Match.ALL.path();
        if (given.size() > 1) {
            m.error("names " + given.stream().map(Route.PathKind::field).toList() + "; a route matches one path rule");
        } else if (given.size() == 1) {
            kind = given.get(0);
            path = m.string(kind.field(), "");
            if (kind == Route.PathKind.REGEX) {
                Regexes.check(path).ifPresent(problem -> m.error(Route.PathKind.REGEX.field(), problem));
            } else if (!path.startsWith("/")) {
                m.error(kind.field(), "'" + path + "' must start with /");
            }
        }
        List<Route.HeaderMatch> headers = new ArrayList<>();
        for (YamlFields h : m.objects("headers")) {
            headerMatch(h).ifPresent(headers::add);
        }
        m.finish();
        return new Route.Match(kind, path, headers);
    }

    /** One rule of {@code match.headers}; empty when it cannot be read (reported). */
    private static Optional<Route.HeaderMatch> headerMatch(YamlFields h) {
        String name = h.requiredString("name");
        if (name != null && !HEADER_NAME.matcher(name).matches()) {
            h.error("name", "'" + name + "' is not a lower-case HTTP header name");
        }
        List<Route.HeaderMatchKind> kinds = new ArrayList<>();
        String value = "";
        for (Route.HeaderMatchKind k :
                List.of(Route.HeaderMatchKind.EXACT, Route.HeaderMatchKind.PREFIX, Route.HeaderMatchKind.REGEX)) {
            String field = k.name().toLowerCase(Locale.ROOT);
            if (h.has(field)) {
                kinds.add(k);
                value = h.string(field, "");
            }
        }
        if (h.bool("present", false)) {
            kinds.add(Route.HeaderMatchKind.PRESENT);
        }
        if (kinds.size() != 1) {
            h.error("must have exactly one of exact, prefix, regex or present: true");
        } else if (kinds.get(0) == Route.HeaderMatchKind.REGEX) {
            Regexes.check(value).ifPresent(problem -> h.error("regex", problem));
        }
        h.finish();
        return name != null && kinds.size() == 1
                ? Optional.of(new Route.HeaderMatch(name, kinds.get(0), value))
                : Optional.empty();
    }

    private static Route.Retries retries(YamlFields r) {
        Integer attempts = r.requiredInteger("attempts", MIN_ATTEMPTS, MAX_ATTEMPTS);
        Duration perTry = r.duration("perTryTimeout", null, MIN_TIMEOUT, MAX_TIMEOUT);
        List<String> retryOn = r.strings("retryOn");
        for (int i = 0; i < retryOn.size(); i++) {
            if (!Route.Retries.RETRY_ON.contains(retryOn.get(i))) {
                r.error(
                        "retryOn[" + i + "]",
                        "'" + retryOn.get(i) + "' is not one of " + new TreeSet<>(Route.Retries.RETRY_ON));
            }
        }
        r.finish();
        // A missing or invalid count has been reported; the config is refused whatever it reads as.
        return new Route.Retries(
                attempts == null ? MIN_ATTEMPTS : attempts,
                perTry,
                retryOn.isEmpty() ? Route.Retries.DEFAULT_RETRY_ON : retryOn);
    }

    private static Route.HeaderEdits headerEdits(YamlFields e) {
        List<Route.Header> set = new ArrayList<>();
        for (YamlFields h : e.objects("set")) {
            String name = h.requiredString("name");
            String value = h.string("value", "");
            if (name != null && (!HEADER_NAME.matcher(name).matches() || name.startsWith(":") || name.equals("host"))) {
                h.error(
                        "name",
                        "'" + name + "' is not a lower-case header name that may be set (not host or a pseudo-header)");
            }
            h.finish();
            if (name != null) {
                set.add(new Route.Header(name, value));
            }
        }
        List<String> remove = e.strings("remove");
        for (int i = 0; i < remove.size(); i++) {
            if (!HEADER_NAME.matcher(remove.get(i)).matches() || remove.get(i).equals("host")) {
                e.error(
                        "remove[" + i + "]",
                        "'" + remove.get(i) + "' is not a lower-case header name that may be removed");
            }
        }
        e.finish();
        return new Route.HeaderEdits(set, remove);
    }
}
