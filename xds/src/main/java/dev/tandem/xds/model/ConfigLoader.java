package dev.tandem.xds.model;

import dev.tandem.xds.model.Gateway.GatewayListener;
import dev.tandem.xds.model.Gateway.ListenerProtocol;
import dev.tandem.xds.model.Route.Target;
import dev.tandem.xds.model.Route.TargetKind;
import dev.tandem.xds.model.Upstream.Endpoint;
import dev.tandem.xds.model.Upstream.Locality;
import dev.tandem.xds.model.Upstream.UpstreamProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a gateway config from YAML (one or more documents, {@code kind / metadata.name / spec}) and
 * validates it as a whole. Either every document is valid and a {@link GatewayConfig} comes back, or
 * an {@link InvalidConfigException} lists every error of the file.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

    /** Optional {@code apiVersion}; documents may omit it. */
    public static final String API_VERSION = "tandem.dev/v1";

    static final int MAX_NAME = 63;
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");
    private static final Pattern HOST = Pattern.compile(
            "(\\*|(\\*\\.)?[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*)(:[0-9]{1,5})?");

    /** A DNS name (253 characters) and a port ({@code :65535}). */
    static final int MAX_HOST = 253 + 6;
    /** Room for a bundle of a few hundred CA certificates (a public CA bundle is about 220 KB). */
    static final int MAX_PEM = 1024 * 1024;

    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    private ConfigLoader() {
    }

    public static GatewayConfig load(String yaml) throws InvalidConfigException {
        List<ConfigError> errors = new ArrayList<>();
        List<Object> raw = YamlText.loadAll(yaml, "file", errors);
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        List<Numbered> documents = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            if (raw.get(i) != null) {
                readDocument(raw.get(i), i + 1, errors).ifPresent(d -> documents.add(d));
            }
        }
        if (documents.isEmpty() && errors.isEmpty()) {
            errors.add(new ConfigError("file", "", "contains no documents (a config needs at least a Gateway)"));
        }
        GatewayConfig config = ConfigValidator.validate(documents, errors);
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return config;
    }

    /** A document and its 1-based position in the file, for messages about duplicates. */
    record Numbered(int number, Document document) {
    }

    private static Optional<Numbered> readDocument(Object raw, int number, List<ConfigError> errors) {
        String label = labelOf(raw, number);
        YamlFields top = YamlFields.of(raw, label, "", errors);
        String apiVersion = top.string("apiVersion");
        if (apiVersion != null && !apiVersion.equals(API_VERSION)) {
            top.error("apiVersion", "'" + apiVersion + "' is not supported (use " + API_VERSION + ")");
        }
        String kindName = top.requiredString("kind");
        Optional<Kind> kind = kindName == null ? Optional.empty() : Kind.named(kindName);
        if (kindName != null && kind.isEmpty()) {
            top.error("kind", "'" + kindName + "' is not a known kind (known: Gateway, Route, Upstream, FailoverScheme, Secret)");
        }
        YamlFields metadata = top.object("metadata");
        String name = metadata.requiredString("name");
        if (name != null && !NAME.matcher(name).matches()) {
            metadata.error("name", "'" + name + "' is not a valid name (lower-case letters, digits, '-' and '.', at most 63, "
                    + "starting and ending with a letter or digit)");
        }
        metadata.finish();
        if (!top.has("spec")) {
            top.error("spec", "is required");
        }
        YamlFields spec = top.object("spec");
        top.finish();
        if (kind.isEmpty() || name == null) {
            return Optional.empty();
        }
        Document document = switch (kind.get()) {
            case Gateway -> gateway(name, spec);
            case Route -> route(name, spec);
            case Upstream -> upstream(name, spec);
            case FailoverScheme -> failoverScheme(name, spec);
            case Secret -> secret(name, spec);
        };
        spec.finish();
        return Optional.of(new Numbered(number, document));
    }

    /** {@code Route 'orders'} when kind and name can be read, otherwise {@code document 3}. */
    private static String labelOf(Object raw, int number) {
        if (raw instanceof Map<?, ?> map && map.get("kind") instanceof String kind && Kind.named(kind).isPresent()
                && map.get("metadata") instanceof Map<?, ?> metadata && metadata.get("name") instanceof String name
                && !name.isBlank() && name.length() <= MAX_NAME) {
            return Kind.named(kind).get().label(name);
        }
        return "document " + number;
    }

    private static Gateway gateway(String name, YamlFields spec) {
        String nodeGroup = spec.requiredString("nodeGroup");
        DataPlaneKind dataPlane = spec.choice("dataPlane", DataPlaneKind.ENVOY, DataPlaneKind.BY_SPELLING);
        List<GatewayListener> listeners = new ArrayList<>();
        for (YamlFields l : spec.objects("listeners")) {
            String listenerName = l.requiredString("name");
            if (listenerName != null && !NAME.matcher(listenerName).matches()) {
                l.error("name", "'" + listenerName + "' is not a valid name (lower-case letters, digits, '-' and '.')");
            }
            String address = l.string("address", "0.0.0.0");
            if (!Addresses.isIpLiteral(address)) {
                l.error("address", "'" + address + "' is not an IP address");
            }
            Integer port = l.requiredInteger("port", 1, 65535);
            ListenerProtocol protocol = l.choice("protocol", ListenerProtocol.HTTP,
                    Map.of("HTTP", ListenerProtocol.HTTP, "HTTPS", ListenerProtocol.HTTPS));
            String certRef = "";
            if (l.has("tls")) {
                YamlFields tls = l.object("tls");
                certRef = orEmpty(tls.requiredString("certRef"));
                tls.finish();
            }
            if (protocol == ListenerProtocol.HTTPS && !l.has("tls")) {
                l.error("tls", "is required for protocol HTTPS (tls: {certRef: <Secret>})");
            } else if (protocol == ListenerProtocol.HTTP && l.has("tls")) {
                l.error("tls", "applies to protocol HTTPS only");
            }
            l.finish();
            listeners.add(new GatewayListener(orEmpty(listenerName), address, port == null ? 0 : port, protocol, certRef));
        }
        YamlFields rollout = spec.object("rollout");
        boolean haltOnNack = rollout.bool("haltOnNack", false);
        rollout.finish();
        return new Gateway(name, orEmpty(nodeGroup), dataPlane, listeners, new Gateway.Rollout(haltOnNack));
    }

    private static Route route(String name, YamlFields spec) {
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
                spec.error("hosts[" + i + "]", "'" + hosts.get(i) + "' is not a host name (name, *.suffix, * or name:port)");
            }
        }
        Route.Match match = match(spec.object("match"));
        Target target = null;
        if (!spec.has("to")) {
            spec.error("to", "is required (an upstream or a failoverScheme)");
        } else {
            YamlFields to = spec.object("to");
            String upstream = to.string("upstream");
            String scheme = to.string("failoverScheme");
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
        }
        Duration timeout = spec.duration("timeout", null, Duration.ofMillis(1), MAX_TIMEOUT);
        Route.Retries retries = spec.has("retries") ? retries(spec.object("retries")) : null;
        Route.HeaderEdits headers = spec.has("requestHeaders") ? headerEdits(spec.object("requestHeaders"))
                : Route.HeaderEdits.NONE;
        return new Route(name, gateways, hosts, match, target, timeout, retries, headers);
    }

    private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

    /** Envoy's retry_on conditions; the last five are gRPC status names, which proxyless clients accept alone. */
    static final java.util.Set<String> RETRY_ON = java.util.Set.of("5xx", "gateway-error", "reset", "connect-failure",
            "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");
    static final java.util.Set<String> GRPC_RETRY_ON = java.util.Set.of("cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "unavailable");

    private static Route.Match match(YamlFields m) {
        List<Route.PathKind> given = new ArrayList<>();
        for (Route.PathKind kind : Route.PathKind.values()) {
            if (m.has(kind.field())) {
                given.add(kind);
            }
        }
        Route.PathKind kind = Route.PathKind.PREFIX;
        String path = "/";
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
            String name = h.requiredString("name");
            if (name != null && !HEADER_NAME.matcher(name).matches()) {
                h.error("name", "'" + name + "' is not a lower-case HTTP header name");
            }
            List<Route.HeaderMatchKind> kinds = new ArrayList<>();
            String value = "";
            for (Route.HeaderMatchKind k : List.of(Route.HeaderMatchKind.EXACT, Route.HeaderMatchKind.PREFIX,
                    Route.HeaderMatchKind.REGEX)) {
                String field = k.name().toLowerCase(java.util.Locale.ROOT);
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
            if (name != null && kinds.size() == 1) {
                headers.add(new Route.HeaderMatch(name, kinds.get(0), value));
            }
        }
        m.finish();
        return new Route.Match(kind, path, headers);
    }

    private static Route.Retries retries(YamlFields r) {
        Integer attempts = r.requiredInteger("attempts", 1, 10);
        Duration perTry = r.duration("perTryTimeout", null, Duration.ofMillis(1), MAX_TIMEOUT);
        List<String> retryOn = r.strings("retryOn");
        for (int i = 0; i < retryOn.size(); i++) {
            if (!RETRY_ON.contains(retryOn.get(i))) {
                r.error("retryOn[" + i + "]", "'" + retryOn.get(i) + "' is not one of " + new java.util.TreeSet<>(RETRY_ON));
            }
        }
        if (retryOn.isEmpty()) {
            retryOn = List.of("5xx", "connect-failure", "reset");
        }
        r.finish();
        return new Route.Retries(attempts == null ? 1 : attempts, perTry, retryOn);
    }

    private static Route.HeaderEdits headerEdits(YamlFields e) {
        List<Route.Header> set = new ArrayList<>();
        for (YamlFields h : e.objects("set")) {
            String name = h.requiredString("name");
            String value = h.string("value", "");
            if (name != null && (!HEADER_NAME.matcher(name).matches() || name.startsWith(":") || name.equals("host"))) {
                h.error("name", "'" + name + "' is not a lower-case header name that may be set (not host or a pseudo-header)");
            }
            h.finish();
            if (name != null) {
                set.add(new Route.Header(name, value));
            }
        }
        List<String> remove = e.strings("remove");
        for (int i = 0; i < remove.size(); i++) {
            if (!HEADER_NAME.matcher(remove.get(i)).matches() || remove.get(i).equals("host")) {
                e.error("remove[" + i + "]", "'" + remove.get(i) + "' is not a lower-case header name that may be removed");
            }
        }
        e.finish();
        return new Route.HeaderEdits(set, remove);
    }

    private static Upstream upstream(String name, YamlFields spec) {
        List<YamlFields> rawEndpoints = spec.objects("endpoints");
        if (rawEndpoints.isEmpty()) {
            spec.error("endpoints", "must list at least one endpoint");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (YamlFields e : rawEndpoints) {
            String address = e.requiredString("address");
            if (address != null && !Addresses.isIpLiteral(address)) {
                e.error("address", "'" + address + "' is not an IP address (EDS endpoints are not resolved through DNS)");
            }
            Integer port = e.requiredInteger("port", 1, 65535);
            YamlFields l = e.object("locality");
            Locality locality = new Locality(l.string("region", ""), l.string("zone", ""), l.string("subZone", ""));
            l.finish();
            Integer weight = e.integer("weight", 1, 1000);
            boolean drain = e.bool("drain", false);
            e.finish();
            endpoints.add(new Endpoint(orEmpty(address), port == null ? 0 : port, locality, weight == null ? 1 : weight, drain));
        }
        Duration connectTimeout = spec.duration("connectTimeout", Upstream.DEFAULT_CONNECT_TIMEOUT,
                Duration.ofMillis(1), Duration.ofMinutes(5));
        UpstreamProtocol protocol = spec.choice("protocol", UpstreamProtocol.HTTP1,
                Map.of("HTTP1", UpstreamProtocol.HTTP1, "HTTP2", UpstreamProtocol.HTTP2));
        HealthCheck healthCheck = spec.has("healthCheck") ? healthCheck(spec.object("healthCheck")) : null;
        OutlierDetection outliers = spec.has("outlierDetection") ? outlierDetection(spec.object("outlierDetection")) : null;
        Integer panic = spec.integer("healthyPanicThreshold", 0, 100);
        Upstream.LoadBalancing lb = spec.choice("loadBalancing", Upstream.LoadBalancing.ROUND_ROBIN,
                java.util.Arrays.stream(Upstream.LoadBalancing.values()).collect(
                        java.util.stream.Collectors.toMap(Enum::name, v -> v)));
        Upstream.Tls tls = null;
        if (spec.has("tls")) {
            YamlFields t = spec.object("tls");
            Upstream.TlsMode mode = t.choice("mode", Upstream.TlsMode.SIMPLE,
                    Map.of("SIMPLE", Upstream.TlsMode.SIMPLE, "MUTUAL", Upstream.TlsMode.MUTUAL));
            String sni = t.string("sni", "");
            String caRef = orEmpty(t.requiredString("caRef"));
            String certRef = t.string("certRef", "");
            if (mode == Upstream.TlsMode.MUTUAL && certRef.isEmpty()) {
                t.error("certRef", "is required for mode MUTUAL (the certificate Envoy presents)");
            } else if (mode == Upstream.TlsMode.SIMPLE && !certRef.isEmpty()) {
                t.error("certRef", "applies to mode MUTUAL only");
            }
            t.finish();
            tls = new Upstream.Tls(mode, sni, caRef, certRef);
        }
        return new Upstream(name, endpoints, connectTimeout, protocol, healthCheck, outliers, panic, lb, tls);
    }

    private static final Duration MAX_CHECK_DURATION = Duration.ofHours(1);

    private static HealthCheck healthCheck(YamlFields hc) {
        HealthCheck.Type type = hc.choice("type", HealthCheck.Type.HTTP,
                Map.of("HTTP", HealthCheck.Type.HTTP, "GRPC", HealthCheck.Type.GRPC, "TCP", HealthCheck.Type.TCP));
        if (!hc.has("type")) {
            hc.error("type", "is required (HTTP, GRPC or TCP)");
        }
        String path = hc.string("path", "");
        String host = hc.string("host", "");
        List<HealthCheck.StatusRange> statuses = new ArrayList<>();
        List<String> statusTexts = hc.strings("expectedStatuses");
        for (int i = 0; i < statusTexts.size(); i++) {
            HealthCheck.StatusRange range = statusRange(statusTexts.get(i));
            if (range == null) {
                hc.error("expectedStatuses[" + i + "]", "'" + statusTexts.get(i)
                        + "' is not a status or range from 100 to 599 (such as \"200\" or \"200-299\")");
            } else {
                statuses.add(range);
            }
        }
        String serviceName = hc.string("serviceName", "");
        if (type == HealthCheck.Type.HTTP && path.isEmpty()) {
            hc.error("path", "is required for an HTTP health check");
        } else if (!path.isEmpty() && !path.startsWith("/")) {
            hc.error("path", "'" + path + "' must start with /");
        }
        if (type != HealthCheck.Type.HTTP) {
            for (String httpOnly : List.of("path", "host", "expectedStatuses")) {
                if (hc.has(httpOnly)) {
                    hc.error(httpOnly, "applies to HTTP health checks only");
                }
            }
        }
        if (type != HealthCheck.Type.GRPC && hc.has("serviceName")) {
            hc.error("serviceName", "applies to GRPC health checks only");
        }
        if (statuses.isEmpty()) {
            statuses.add(new HealthCheck.StatusRange(200, 299));
        }
        Duration interval = hc.duration("interval", Duration.ofSeconds(5), Duration.ofMillis(100), MAX_CHECK_DURATION);
        Duration timeout = hc.duration("timeout", Duration.ofSeconds(1), Duration.ofMillis(10), MAX_CHECK_DURATION);
        Integer healthy = hc.integer("healthyThreshold", 1, 100);
        Integer unhealthy = hc.integer("unhealthyThreshold", 1, 100);
        Duration jitter = hc.duration("jitter", Duration.ZERO, Duration.ZERO, MAX_CHECK_DURATION);
        Duration noTraffic = hc.duration("noTrafficInterval", interval, Duration.ofMillis(100), MAX_CHECK_DURATION);
        if (timeout.compareTo(interval) > 0) {
            hc.error("timeout", Durations.format(timeout) + " is longer than the interval " + Durations.format(interval));
        }
        hc.finish();
        return new HealthCheck(type, path, host, statuses, serviceName, interval, timeout,
                healthy == null ? 2 : healthy, unhealthy == null ? 3 : unhealthy, jitter, noTraffic);
    }

    private static HealthCheck.StatusRange statusRange(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-5][0-9]{2})(?:-([1-5][0-9]{2}))?").matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        int from = Integer.parseInt(m.group(1));
        int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
        return to < from ? null : new HealthCheck.StatusRange(from, to);
    }

    private static OutlierDetection outlierDetection(YamlFields od) {
        Integer consecutive5xx = od.integer("consecutive5xx", 0, 1000);
        Integer gateway = od.integer("consecutiveGatewayFailure", 0, 1000);
        Duration interval = od.duration("interval", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1));
        Duration ejection = od.duration("baseEjectionTime", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofHours(1));
        Integer maxPercent = od.integer("maxEjectionPercent", 0, 100);
        od.finish();
        return new OutlierDetection(consecutive5xx == null ? 5 : consecutive5xx, gateway == null ? 0 : gateway, interval,
                ejection, maxPercent == null ? 10 : maxPercent);
    }

    private static Secret secret(String name, YamlFields spec) {
        Secret.SecretType type = spec.choice("type", Secret.SecretType.CA,
                Map.of("CA", Secret.SecretType.CA, "CERTIFICATE", Secret.SecretType.CERTIFICATE));
        if (!spec.has("type")) {
            spec.error("type", "is required (CA or CERTIFICATE)");
        }
        String[] ca = pemOrFile(spec, "ca", type == Secret.SecretType.CA);
        String[] cert = pemOrFile(spec, "certificate", type == Secret.SecretType.CERTIFICATE);
        String[] key = pemOrFile(spec, "privateKey", type == Secret.SecretType.CERTIFICATE);
        return new Secret(name, type, ca[0], ca[1], cert[0], cert[1], key[0], key[1]);
    }

    /** {@code <field>Pem} or {@code <field>File}: exactly one when {@code wanted}, neither otherwise. */
    private static String[] pemOrFile(YamlFields spec, String field, boolean wanted) {
        String pem = spec.string(field + "Pem", "", MAX_PEM);
        String file = spec.string(field + "File", "");
        boolean given = !pem.isEmpty() || !file.isEmpty();
        if (wanted && !pem.isEmpty() && !file.isEmpty()) {
            spec.error(field + "Pem", "and " + field + "File are both given; use one");
        } else if (wanted && !given) {
            spec.error(field + "Pem", "or " + field + "File is required");
        } else if (!wanted && given) {
            spec.error(pem.isEmpty() ? field + "File" : field + "Pem", "does not belong to this type of secret");
        }
        if (!file.isEmpty() && !file.startsWith("/")) {
            spec.error(field + "File", "'" + file + "' must be an absolute path on the appliance host");
        }
        return new String[] {pem, file};
    }

    private static FailoverScheme failoverScheme(String name, YamlFields spec) {
        String primary = spec.requiredString("primary");
        List<String> failover = spec.strings("failover");
        if (failover.isEmpty()) {
            spec.error("failover", "must list at least one failover upstream");
        }
        Integer factor = spec.integer("overprovisioningFactor", 100, 1000);
        return new FailoverScheme(name, orEmpty(primary), failover,
                factor == null ? FailoverScheme.DEFAULT_OVERPROVISIONING_FACTOR : factor);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
