package dev.tandem.xds.snapshot;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.tandem.xds.model.Gateway;
import dev.tandem.xds.translate.EnvoyTypes;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A node group's resources as one JSON document, each resource in Envoy's proto3 JSON with its
 * {@code @type}: what an export carries, and what a data plane reads back into Envoy's protos.
 * <pre>{"nodeGroup": "edge", "resources": {"listeners": [...], "routes": [...], "clusters": [...],
 *  "endpoints": [...], "secrets": [...]}}</pre>
 */
public final class ResourcesDocument {

    private static final List<String> TYPES =
            Arrays.stream(XdsType.values()).map(XdsType::shortName).toList();

    private ResourcesDocument() {}

    public static byte[] write(GroupResources resources) {
        JsonObject types = new JsonObject();
        types.add(XdsType.LISTENERS.shortName(), array(resources.listeners()));
        types.add(XdsType.ROUTES.shortName(), array(resources.routes()));
        types.add(XdsType.CLUSTERS.shortName(), array(resources.clusters()));
        types.add(XdsType.ENDPOINTS.shortName(), array(resources.endpoints()));
        types.add(XdsType.SECRETS.shortName(), array(resources.secrets()));
        JsonObject root = new JsonObject();
        root.addProperty("nodeGroup", resources.nodeGroup());
        root.add("resources", types);
        return (new GsonBuilder()
                                .setPrettyPrinting()
                                .disableHtmlEscaping()
                                .create()
                                .toJson(root) + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a document back, strictly: every resource must be the Envoy type of its list.
     *
     * @throws InvalidProtocolBufferException naming the list and position of what is wrong
     */
    public static GroupResources read(byte[] document) throws InvalidProtocolBufferException {
        JsonObject root;
        try {
            root = JsonParser.parseString(new String(document, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (RuntimeException e) {
            throw new InvalidProtocolBufferException("the resources document is not a JSON object: " + e.getMessage());
        }
        JsonObject types = root.has("resources") && root.get("resources").isJsonObject()
                ? root.getAsJsonObject("resources")
                : null;
        if (types == null || !root.has("nodeGroup")) {
            throw new InvalidProtocolBufferException("the resources document lacks nodeGroup or resources");
        }
        for (String key : types.keySet()) {
            if (!TYPES.contains(key)) {
                throw new InvalidProtocolBufferException(
                        "resources." + key + " is not a resource type (known: " + TYPES + ")");
            }
        }
        return new GroupResources(
                root.get("nodeGroup").getAsString(),
                list(types, XdsType.LISTENERS.shortName(), Listener.class),
                list(types, XdsType.ROUTES.shortName(), RouteConfiguration.class),
                list(types, XdsType.CLUSTERS.shortName(), Cluster.class),
                list(types, XdsType.ENDPOINTS.shortName(), ClusterLoadAssignment.class),
                list(types, XdsType.SECRETS.shortName(), Secret.class),
                Gateway.Rollout.DEFAULT);
    }

    private static JsonArray array(List<? extends Message> messages) {
        JsonArray array = new JsonArray();
        for (Message message : messages) {
            array.add(JsonParser.parseString(EnvoyTypes.toJson(Any.pack(message))));
        }
        return array;
    }

    private static <T extends Message> List<T> list(JsonObject types, String key, Class<T> type)
            throws InvalidProtocolBufferException {
        List<T> out = new ArrayList<>();
        if (!types.has(key)) {
            return out;
        }
        int index = 0;
        for (JsonElement element : types.getAsJsonArray(key)) {
            try {
                Any any = EnvoyTypes.parseJson(element.toString(), Any.newBuilder())
                        .build();
                out.add(any.unpack(type));
            } catch (InvalidProtocolBufferException e) {
                throw new InvalidProtocolBufferException("resources." + key + "[" + index + "] is not a "
                        + type.getSimpleName() + ": " + e.getMessage());
            }
            index++;
        }
        return out;
    }
}
