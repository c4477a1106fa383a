package dev.tandem.xds.snapshot;

import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A node group's resources with one content-hash version per type, as served to its data planes.
 *
 * @param versions  the version of each type, in xDS's short names (listeners, routes, clusters, endpoints, secrets)
 * @param resources what the snapshot holds, in its deterministic order (exports write it)
 */
public record GroupSnapshot(
        String nodeGroup,
        long revision,
        Versions versions,
        Snapshot snapshot,
        boolean haltOnNack,
        GroupResources resources) {

    /** One version per resource type. */
    public record Versions(String listeners, String routes, String clusters, String endpoints, String secrets) {}

    /** Every type's version by its short name, in a stable order. */
    public SortedMap<String, String> versionsByType() {
        SortedMap<String, String> out = new TreeMap<>();
        for (XdsType type : XdsType.values()) {
            out.put(type.shortName(), versionOf(type));
        }
        return out;
    }

    public String versionOf(XdsType type) {
        return switch (type) {
            case LISTENERS -> versions.listeners();
            case ROUTES -> versions.routes();
            case CLUSTERS -> versions.clusters();
            case ENDPOINTS -> versions.endpoints();
            case SECRETS -> versions.secrets();
        };
    }

    /**
     * Builds the snapshot of {@code revision} (numbered before it is built: a snapshot is never
     * restamped) and checks it is consistent ({@link SnapshotConsistency}).
     *
     * @throws IllegalStateException when it is not: a translation bug, never an operator error
     */
    public static GroupSnapshot of(GroupResources resources, long revision) {
        Versions versions = new Versions(
                ContentVersion.of(resources.listeners()),
                ContentVersion.of(resources.routes()),
                ContentVersion.of(resources.clusters()),
                ContentVersion.of(resources.endpoints()),
                ContentVersion.of(resources.secrets()));
        Snapshot snapshot = new ContentSnapshot(
                versions,
                resources.clusters(),
                resources.endpoints(),
                resources.listeners(),
                resources.routes(),
                resources.secrets());
        List<String> problems = SnapshotConsistency.problems(resources);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("inconsistent snapshot for node group '" + resources.nodeGroup() + "': "
                    + String.join("; ", problems));
        }
        return new GroupSnapshot(
                resources.nodeGroup(),
                revision,
                versions,
                snapshot,
                resources.rollout().haltOnNack(),
                resources);
    }
}
