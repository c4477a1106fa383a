package dev.tandem.xds.serve;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last {@link #HISTORY} version labels of each group's types, so that a client a few revisions
 * behind is sent only what changed since the label it holds (one {@link TypeHistory} per group and type).
 */
final class LabelHistory {

    /** Labels per group and type whose content is kept, to diff a client that is a few revisions behind. */
    static final int HISTORY = 8;

    private final Map<String, Map<ResourceType, TypeHistory>> groups = new ConcurrentHashMap<>();

    /** Keeps every type's label of {@code snapshot}, the newest of {@code group}'s. */
    void remember(String group, Snapshot snapshot) {
        for (ResourceType type : Resources.RESOURCE_TYPES_IN_ORDER) {
            Map<String, String> versions = new HashMap<>();
            snapshot.versionedResources(type).forEach((name, r) -> versions.put(name, r.version()));
            of(group, type).remember(snapshot.version(type), versions);
        }
    }

    /** {@code group}'s history of {@code type} (knowing no label until a snapshot of the group is remembered). */
    TypeHistory of(String group, ResourceType type) {
        return groups.computeIfAbsent(group, g -> new ConcurrentHashMap<>())
                .computeIfAbsent(type, t -> new TypeHistory());
    }
}
