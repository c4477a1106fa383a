package dev.tandem.xds.model;

import dev.tandem.xds.model.ConfigLoader.Numbered;
import dev.tandem.xds.model.Gateway.GatewayListener;
import dev.tandem.xds.model.Route.TargetKind;
import dev.tandem.xds.model.Upstream.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The checks that need more than one document: unique names, references that resolve, listeners
 * that do not collide within a node group, routes that do not shadow each other. Each problem is
 * recorded against the document that must change to fix it.
 */
final class ConfigValidator {

    private ConfigValidator() {}

    static GatewayConfig validate(List<Numbered> documents, List<ConfigError> errors) {
        Map<String, Numbered> firstByKey = new HashMap<>();
        List<Gateway> gateways = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        List<Upstream> upstreams = new ArrayList<>();
        List<FailoverScheme> schemes = new ArrayList<>();
        List<Secret> secrets = new ArrayList<>();
        for (Numbered n : documents) {
            Document d = n.document();
            Numbered first = firstByKey.putIfAbsent(d.kind() + "/" + d.name(), n);
            if (first != null) {
                errors.add(new ConfigError(
                        d.label(),
                        "metadata.name",
                        "is defined twice (documents " + first.number() + " and " + n.number() + ")"));
                continue;
            }
            switch (d) {
                case Gateway g -> gateways.add(g);
                case Route r -> routes.add(r);
                case Upstream u -> upstreams.add(u);
                case FailoverScheme f -> schemes.add(f);
                case Secret x -> secrets.add(x);
            }
        }
        GatewayConfig config = new GatewayConfig(gateways, routes, upstreams, schemes, secrets);
        config.secrets().forEach(x -> Pems.check(x, errors));
        config.upstreams().forEach(u -> checkUpstreamTls(u, config, errors));
        config.gateways()
                .forEach(g -> g.listeners().stream()
                        .filter(l -> !l.certRef().isEmpty())
                        .forEach(l -> checkSecretRef(
                                g.label(),
                                "spec.listeners." + l.name() + ".tls.certRef",
                                l.certRef(),
                                Secret.SecretType.CERTIFICATE,
                                config,
                                errors)));
        config.gateways().forEach(g -> checkGateway(g, errors));
        checkNodeGroups(config, errors);
        config.upstreams().forEach(u -> checkUpstream(u, errors));
        config.failoverSchemes().forEach(f -> checkFailoverScheme(f, config, errors));
        config.routes().forEach(r -> checkRoute(r, config, errors));
        checkRouteConflicts(config, errors);
        return config;
    }

    private static void checkGateway(Gateway g, List<ConfigError> errors) {
        if (g.dataPlane() == DataPlaneKind.PROXYLESS_GRPC && !g.listeners().isEmpty()) {
            errors.add(new ConfigError(
                    g.label(),
                    "spec.listeners",
                    "must be empty for dataPlane proxyless-grpc (its clients get one API listener per route host)"));
        }
        if (g.dataPlane() == DataPlaneKind.ENVOY && g.listeners().isEmpty()) {
            errors.add(new ConfigError(
                    g.label(), "spec.listeners", "must list at least one listener for dataPlane envoy"));
        }
        Set<String> names = new HashSet<>();
        for (GatewayListener l : g.listeners()) {
            if (!l.name().isEmpty() && !names.add(l.name())) {
                errors.add(new ConfigError(g.label(), "spec.listeners", "has two listeners named '" + l.name() + "'"));
            }
        }
    }

    private static void checkNodeGroups(GatewayConfig config, List<ConfigError> errors) {
        for (String group : config.nodeGroups()) {
            if (group.isEmpty()) {
                continue;
            }
            List<Gateway> members = config.gatewaysOf(group);
            Gateway first = members.get(0);
            Map<String, String> socketOwners = new TreeMap<>();
            for (Gateway g : members) {
                if (!g.rollout().equals(first.rollout())) {
                    errors.add(new ConfigError(
                            g.label(),
                            "spec.rollout",
                            "differs from " + first.label() + " in the same node group '" + group
                                    + "' (a node group rolls out one way)"));
                }
                if (g.dataPlane() != first.dataPlane()) {
                    errors.add(new ConfigError(
                            g.label(),
                            "spec.dataPlane",
                            "'" + g.dataPlane().spelling()
                                    + "' differs from " + first.label() + " ('"
                                    + first.dataPlane().spelling()
                                    + "') in the same node group '" + group + "'"));
                }
                for (GatewayListener l : g.listeners()) {
                    if (l.port() == 0) {
                        continue; // an invalid port is reported already
                    }
                    String socket = l.address() + ":" + l.port();
                    String owner = socketOwners.putIfAbsent(socket, g.label() + " listener '" + l.name() + "'");
                    if (owner != null) {
                        errors.add(new ConfigError(
                                g.label(),
                                "spec.listeners",
                                "'" + l.name() + "' port " + l.port() + " is already used by " + owner
                                        + " in node group '" + group + "'"));
                    }
                }
            }
        }
    }

    private static void checkUpstream(Upstream u, List<ConfigError> errors) {
        Set<String> seen = new HashSet<>();
        for (Endpoint e : u.endpoints()) {
            if (!e.address().isEmpty() && e.port() != 0 && !seen.add(e.address() + ":" + e.port())) {
                errors.add(new ConfigError(
                        u.label(), "spec.endpoints", "lists " + e.address() + ":" + e.port() + " twice"));
            }
        }
    }

    private static void checkFailoverScheme(FailoverScheme f, GatewayConfig config, List<ConfigError> errors) {
        var primary = config.upstream(f.primary());
        for (int i = 0; i < f.failover().size() && primary.isPresent(); i++) {
            var member = config.upstream(f.failover().get(i));
            if (member.isPresent()
                    && member.get().tls() != null
                    && !member.get().tls().equals(primary.get().tls())) {
                errors.add(new ConfigError(
                        f.label(),
                        "spec.failover[" + i + "]",
                        "'" + member.get().name()
                                + "' has a tls of its own; a failover scheme is one Envoy cluster with one TLS context, the "
                                + "primary's: remove it or make it equal to '" + f.primary() + "''s"));
            }
            if (member.isPresent()
                    && member.get().healthCheck() != null
                    && !member.get().healthCheck().equals(primary.get().healthCheck())) {
                errors.add(new ConfigError(
                        f.label(),
                        "spec.failover[" + i + "]",
                        "'" + member.get().name()
                                + "' has a healthCheck of its own; Envoy runs one health check per cluster, so the upstreams of a "
                                + "failover scheme share the primary's: remove it or make it equal to '" + f.primary()
                                + "''s"));
            }
        }
        if (!f.primary().isEmpty() && config.upstream(f.primary()).isEmpty()) {
            errors.add(new ConfigError(f.label(), "spec.primary", "'" + f.primary() + "' is not a defined Upstream"));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < f.failover().size(); i++) {
            String name = f.failover().get(i);
            String field = "spec.failover[" + i + "]";
            if (config.upstream(name).isEmpty()) {
                errors.add(new ConfigError(f.label(), field, "'" + name + "' is not a defined Upstream"));
            } else if (name.equals(f.primary())) {
                errors.add(new ConfigError(
                        f.label(), field, "'" + name + "' is the primary; a failover must be another upstream"));
            } else if (!seen.add(name)) {
                errors.add(new ConfigError(f.label(), field, "'" + name + "' is listed twice"));
            }
        }
    }

    /** The upstreams behind a route target that exist (missing ones are reported elsewhere). */
    private static List<Upstream> proxylessTargets(Route.Target target, GatewayConfig config) {
        if (target.kind() == TargetKind.UPSTREAM) {
            return config.upstream(target.name()).stream().toList();
        }
        return config.failoverScheme(target.name()).stream()
                .flatMap(f -> Stream.concat(Stream.of(f.primary()), f.failover().stream()))
                .flatMap(name -> config.upstream(name).stream())
                .toList();
    }

    private static void checkRoute(Route r, GatewayConfig config, List<ConfigError> errors) {
        for (int i = 0; i < r.gateways().size(); i++) {
            String name = r.gateways().get(i);
            var gateway = config.gateway(name);
            if (gateway.isEmpty()) {
                errors.add(new ConfigError(r.label(), "spec.gateways", "'" + name + "' is not a defined Gateway"));
            } else if (gateway.get().dataPlane() == DataPlaneKind.PROXYLESS_GRPC) {
                checkProxylessRoute(r, gateway.get(), errors);
                if (r.to() != null) {
                    proxylessTargets(r.to(), config).forEach(u -> checkProxylessUpstream(u, gateway.get(), errors));
                }
                for (String host : r.hosts()) {
                    if (host.contains("*")) {
                        errors.add(
                                new ConfigError(
                                        r.label(),
                                        "spec.hosts",
                                        "'" + host + "' is a wildcard; Gateway '" + name
                                                + "' serves proxyless gRPC, whose clients ask for one listener per exact host"));
                    }
                }
            }
        }
        if (r.to() != null) {
            boolean exists = r.to().kind() == TargetKind.UPSTREAM
                    ? config.upstream(r.to().name()).isPresent()
                    : config.failoverScheme(r.to().name()).isPresent();
            if (!exists) {
                errors.add(new ConfigError(
                        r.label(), "spec.to." + r.to().kind().field(), "'" + r.to().name() + "' does not exist"));
            }
        }
    }

    /**
     * Two routes with the same host and match on one gateway (or one proxyless node group, whose
     * route tables are per host): the later one, by name, would never be used.
     */
    private static void checkRouteConflicts(GatewayConfig config, List<ConfigError> errors) {
        for (String group : config.nodeGroups()) {
            List<Gateway> gateways = config.gatewaysOf(group);
            boolean proxyless = gateways.get(0).dataPlane() == DataPlaneKind.PROXYLESS_GRPC;
            Map<String, Route> groupOwners = new LinkedHashMap<>();
            for (Gateway g : gateways) {
                Map<String, Route> owners = proxyless ? groupOwners : new LinkedHashMap<>();
                for (Route r : config.routesOf(g)) {
                    for (String host : r.hosts()) {
                        Route owner = owners.putIfAbsent(host.toLowerCase(Locale.ROOT) + " " + r.match(), r);
                        if (owner != null && owner != r) {
                            errors.add(new ConfigError(
                                    r.label(),
                                    "spec.match",
                                    "for host '" + host + "' equals that of " + owner.label() + " on " + g.label()
                                            + "; one of them would never match"));
                        }
                    }
                }
            }
        }
    }

    /** What proxyless gRPC clients would reject or silently ignore. */
    private static void checkProxylessRoute(Route r, Gateway g, List<ConfigError> errors) {
        String why = "; Gateway '" + g.name() + "' serves proxyless gRPC clients, which ";
        if (!r.requestHeaders().isEmpty()) {
            errors.add(new ConfigError(r.label(), "spec.requestHeaders", "is not supported" + why + "ignore it"));
        }
        if (r.retries() != null) {
            if (r.retries().perTryTimeout() != null) {
                errors.add(new ConfigError(
                        r.label(), "spec.retries.perTryTimeout", "is not supported" + why + "ignore it"));
            }
            for (String on : r.retries().retryOn()) {
                if (!Route.Retries.GRPC_RETRY_ON.contains(on)) {
                    errors.add(new ConfigError(
                            r.label(),
                            "spec.retries.retryOn",
                            "'" + on + "' is not a gRPC status" + why + "retry only on "
                                    + new TreeSet<>(Route.Retries.GRPC_RETRY_ON)));
                }
            }
        }
    }

    private static void checkUpstreamTls(Upstream u, GatewayConfig config, List<ConfigError> errors) {
        if (u.tls() == null) {
            return;
        }
        if (!u.tls().caRef().isEmpty()) {
            checkSecretRef(u.label(), "spec.tls.caRef", u.tls().caRef(), Secret.SecretType.CA, config, errors);
        }
        if (!u.tls().certRef().isEmpty()) {
            checkSecretRef(
                    u.label(), "spec.tls.certRef", u.tls().certRef(), Secret.SecretType.CERTIFICATE, config, errors);
        }
    }

    private static void checkSecretRef(
            String document,
            String field,
            String name,
            Secret.SecretType type,
            GatewayConfig config,
            List<ConfigError> errors) {
        var secret = config.secret(name);
        if (secret.isEmpty()) {
            errors.add(new ConfigError(document, field, "'" + name + "' is not a defined Secret"));
        } else if (secret.get().type() != type) {
            errors.add(new ConfigError(
                    document,
                    field,
                    "'" + name + "' is a " + secret.get().type() + " secret; a " + type + " secret is needed here"));
        }
    }

    private static void checkProxylessUpstream(Upstream u, Gateway g, List<ConfigError> errors) {
        if (u.tls() != null) {
            errors.add(new ConfigError(
                    u.label(),
                    "spec.tls",
                    "is served by SDS, which proxyless gRPC clients (Gateway '" + g.name()
                            + "') do not use; they take certificates from their own certificate providers"));
        }
        if (u.loadBalancing() == Upstream.LoadBalancing.MAGLEV || u.loadBalancing() == Upstream.LoadBalancing.RANDOM) {
            errors.add(new ConfigError(
                    u.label(),
                    "spec.loadBalancing",
                    u.loadBalancing() + " is not supported by proxyless " + "gRPC clients (Gateway '" + g.name()
                            + "'); use ROUND_ROBIN, LEAST_REQUEST or RING_HASH"));
        }
    }
}
