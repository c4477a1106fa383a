package dev.tandem.xds.serve;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import java.util.Map;

/** The short names an operator reads in status and logs for the xDS type URLs. */
final class ResourceTypes {

    private static final Map<String, String> SHORT_NAMES = Map.of(
            Resources.V3.LISTENER_TYPE_URL, "listeners",
            Resources.V3.ROUTE_TYPE_URL, "routes",
            Resources.V3.CLUSTER_TYPE_URL, "clusters",
            Resources.V3.ENDPOINT_TYPE_URL, "endpoints",
            Resources.V3.SECRET_TYPE_URL, "secrets");

    private static final Map<ResourceType, String> BY_TYPE = Map.of(
            ResourceType.LISTENER, "listeners",
            ResourceType.ROUTE, "routes",
            ResourceType.CLUSTER, "clusters",
            ResourceType.ENDPOINT, "endpoints",
            ResourceType.SECRET, "secrets");

    private ResourceTypes() {
    }

    static String shortName(String typeUrl) {
        return SHORT_NAMES.getOrDefault(typeUrl, typeUrl);
    }

    static String shortName(ResourceType type) {
        return BY_TYPE.get(type);
    }

    static ResourceType resourceType(String shortName) {
        return BY_TYPE.entrySet().stream().filter(e -> e.getValue().equals(shortName)).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }
}
