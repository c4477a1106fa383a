package dev.tandem.xds.snapshot;

import com.google.protobuf.Message;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The xDS resource types Tandem serves, in the order an operator reads them (status, logs, exports):
 * each with the short name the admin API and the metrics use, its v3 type URL and
 * java-control-plane's type.
 */
public enum XdsType {
    LISTENERS("listeners", Resources.V3.LISTENER_TYPE_URL, ResourceType.LISTENER),
    ROUTES("routes", Resources.V3.ROUTE_TYPE_URL, ResourceType.ROUTE),
    CLUSTERS("clusters", Resources.V3.CLUSTER_TYPE_URL, ResourceType.CLUSTER),
    ENDPOINTS("endpoints", Resources.V3.ENDPOINT_TYPE_URL, ResourceType.ENDPOINT),
    SECRETS("secrets", Resources.V3.SECRET_TYPE_URL, ResourceType.SECRET);

    /** Looked up for every request a data plane sends: a map, not a scan. */
    private static final Map<String, XdsType> BY_TYPE_URL =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(XdsType::typeUrl, Function.identity()));
    /** Looked up for every watch the NACK guard decides on. */
    private static final Map<ResourceType, XdsType> BY_RESOURCE_TYPE =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(XdsType::resourceType, Function.identity()));

    private final String shortName;
    private final String typeUrl;
    private final ResourceType resourceType;

    XdsType(String shortName, String typeUrl, ResourceType resourceType) {
        this.shortName = shortName;
        this.typeUrl = typeUrl;
        this.resourceType = resourceType;
    }

    /** {@code listeners}, {@code routes}, ...: the word in the admin API, the status and the logs. */
    public String shortName() {
        return shortName;
    }

    public String typeUrl() {
        return typeUrl;
    }

    public ResourceType resourceType() {
        return resourceType;
    }

    /** This type's resources in {@code group}, sorted by name. */
    public List<? extends Message> resourcesIn(GroupResources group) {
        return switch (this) {
            case LISTENERS -> group.listeners();
            case ROUTES -> group.routes();
            case CLUSTERS -> group.clusters();
            case ENDPOINTS -> group.endpoints();
            case SECRETS -> group.secrets();
        };
    }

    /** The type of a v3 type URL, if it is one Tandem serves. */
    public static Optional<XdsType> ofTypeUrl(String typeUrl) {
        return Optional.ofNullable(BY_TYPE_URL.get(typeUrl));
    }

    public static XdsType of(ResourceType resourceType) {
        XdsType type = BY_RESOURCE_TYPE.get(resourceType);
        if (type == null) {
            throw new IllegalArgumentException("not an xDS type Tandem serves: " + resourceType);
        }
        return type;
    }

    /** The short name for a type URL; the URL itself when Tandem does not serve that type (a client may ask anything). */
    public static String shortName(String typeUrl) {
        XdsType type = BY_TYPE_URL.get(typeUrl);
        return type == null ? typeUrl : type.shortName;
    }
}
