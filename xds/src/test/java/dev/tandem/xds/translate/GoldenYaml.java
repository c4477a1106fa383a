package dev.tandem.xds.translate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.tandem.xds.snapshot.GroupSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The golden-file form of a node group's snapshot: its versions and every resource in Envoy's own
 * JSON mapping, written as YAML. {@link #parse} reads it back strictly into Envoy's typed protos.
 */
final class GoldenYaml {

    private GoldenYaml() {}

    static String render(GroupSnapshot snapshot, GroupResources resources) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("nodeGroup", resources.nodeGroup());
        GroupSnapshot.Versions v = snapshot.versions();
        Map<String, Object> versions = new LinkedHashMap<>();
        versions.put("listeners", v.listeners());
        versions.put("routes", v.routes());
        versions.put("clusters", v.clusters());
        versions.put("endpoints", v.endpoints());
        versions.put("secrets", v.secrets());
        doc.put("versions", versions);
        doc.put("listeners", tree(resources.listeners()));
        doc.put("routes", tree(resources.routes()));
        doc.put("clusters", tree(resources.clusters()));
        doc.put("endpoints", tree(resources.endpoints()));
        doc.put("secrets", tree(resources.secrets()));
        DumpSettings settings = DumpSettings.builder()
                .setDefaultFlowStyle(FlowStyle.BLOCK)
                .setWidth(200)
                .build();
        return new Dump(settings).dumpToString(doc);
    }

    /** Reads a golden file back: every resource must parse into its Envoy type with no unknown field. */
    @SuppressWarnings("unchecked")
    static GroupResources parse(String yaml) throws InvalidProtocolBufferException {
        Map<String, Object> doc =
                (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
        return new GroupResources(
                (String) doc.get("nodeGroup"),
                messages(doc.get("listeners"), Listener::newBuilder),
                messages(doc.get("routes"), RouteConfiguration::newBuilder),
                messages(doc.get("clusters"), Cluster::newBuilder),
                messages(doc.get("endpoints"), ClusterLoadAssignment::newBuilder),
                messages(
                        doc.get("secrets"), io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret::newBuilder),
                resourcesRollout(doc));
    }

    /** Rollout is Tandem's, not Envoy's: not in the golden file; the default unless a test says otherwise. */
    private static dev.tandem.xds.model.Gateway.Rollout resourcesRollout(Map<String, Object> doc) {
        return dev.tandem.xds.model.Gateway.Rollout.DEFAULT;
    }

    private static List<Object> tree(List<? extends Message> messages) {
        Load load = new Load(LoadSettings.builder().build());
        List<Object> out = new ArrayList<>();
        for (Message m : messages) {
            out.add(load.loadFromString(EnvoyTypes.toJson(m)));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Message> List<T> messages(Object list, Supplier<? extends Message.Builder> builder)
            throws InvalidProtocolBufferException {
        com.google.gson.Gson gson = new com.google.gson.Gson();
        List<T> out = new ArrayList<>();
        for (Object item : (List<Object>) list) {
            String text = gson.toJson(item);
            out.add((T) EnvoyTypes.parseJson(text, builder.get()).build());
        }
        return out;
    }
}
