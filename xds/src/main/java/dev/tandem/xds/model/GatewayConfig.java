package dev.tandem.xds.model;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A complete, validated gateway config: what one revision holds. Every list is sorted by name, so
 * two configs with the same documents in any order are {@code equals} and translate to the same bytes.
 * Only {@link ConfigLoader} builds instances that reach the translation.
 */
public record GatewayConfig(
        List<Gateway> gateways,
        List<Route> routes,
        List<Upstream> upstreams,
        List<FailoverScheme> failoverSchemes,
        List<Secret> secrets) {

    public GatewayConfig(
            List<Gateway> gateways,
            List<Route> routes,
            List<Upstream> upstreams,
            List<FailoverScheme> failoverSchemes) {
        this(gateways, routes, upstreams, failoverSchemes, List.of());
    }

    public GatewayConfig {
        gateways = sorted(gateways);
        routes = sorted(routes);
        upstreams = sorted(upstreams);
        failoverSchemes = sorted(failoverSchemes);
        secrets = sorted(secrets);
    }

    public Optional<Secret> secret(String name) {
        return find(secrets, name);
    }

    /** The same config with {@code resolved} in place of the secrets of the same names. */
    public GatewayConfig withSecrets(List<Secret> resolved) {
        return new GatewayConfig(gateways, routes, upstreams, failoverSchemes, resolved);
    }

    public Optional<Gateway> gateway(String name) {
        return find(gateways, name);
    }

    public Optional<Upstream> upstream(String name) {
        return find(upstreams, name);
    }

    public Optional<FailoverScheme> failoverScheme(String name) {
        return find(failoverSchemes, name);
    }

    /** Every node group named by a gateway, sorted. */
    public List<String> nodeGroups() {
        return List.copyOf(gateways.stream().map(Gateway::nodeGroup).collect(Collectors.toCollection(TreeSet::new)));
    }

    public List<Gateway> gatewaysOf(String nodeGroup) {
        return gateways.stream().filter(g -> g.nodeGroup().equals(nodeGroup)).toList();
    }

    /** The routes attached to {@code gateway}, sorted by name. */
    public List<Route> routesOf(Gateway gateway) {
        return routes.stream()
                .filter(r -> r.gateways().contains(gateway.name()))
                .toList();
    }

    public int documentCount() {
        return gateways.size() + routes.size() + upstreams.size() + failoverSchemes.size() + secrets.size();
    }

    private static <T extends Document> List<T> sorted(List<T> documents) {
        return documents.stream().sorted(Comparator.comparing(Document::name)).toList();
    }

    /** Binary search: the lists are sorted by name, and a config of 1,000s of routes looks names up 1,000s of times. */
    private static <T extends Document> Optional<T> find(List<T> documents, String name) {
        int low = 0;
        int high = documents.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            int order = documents.get(middle).name().compareTo(name);
            if (order == 0) {
                return Optional.of(documents.get(middle));
            }
            if (order < 0) {
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return Optional.empty();
    }
}
