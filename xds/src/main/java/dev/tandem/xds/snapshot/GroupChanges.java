package dev.tandem.xds.snapshot;

import com.google.protobuf.Message;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.controlplane.cache.Resources;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a new config changes for one node group's data planes, per xDS type: the resources added,
 * changed (same name, other content) and removed, by name. What a dry run answers before anything
 * is stored, so an operator sees which data planes an apply touches. Immutable.
 *
 * @param byType only the types with a change, in {@link XdsType} order
 */
public record GroupChanges(Map<XdsType, TypeChanges> byType) {

    /** One type's changes, each list sorted by name. */
    public record TypeChanges(List<String> added, List<String> changed, List<String> removed) {

        public TypeChanges {
            added = List.copyOf(added);
            changed = List.copyOf(changed);
            removed = List.copyOf(removed);
        }

        public boolean isEmpty() {
            return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
        }
    }

    public GroupChanges {
        EnumMap<XdsType, TypeChanges> copy = new EnumMap<>(XdsType.class);
        copy.putAll(byType);
        byType = Collections.unmodifiableMap(copy);
    }

    public boolean isEmpty() {
        return byType.isEmpty();
    }

    /** What serving {@code after} to a group that is served {@code before} changes. */
    public static GroupChanges between(GroupResources before, GroupResources after) {
        Map<XdsType, TypeChanges> out = new EnumMap<>(XdsType.class);
        for (XdsType type : XdsType.values()) {
            TypeChanges changes = between(byName(type.resourcesIn(before)), byName(type.resourcesIn(after)));
            if (!changes.isEmpty()) {
                out.put(type, changes);
            }
        }
        return new GroupChanges(out);
    }

    /**
     * Per node group, what serving {@code next} changes from {@code served}: a group only in
     * {@code next} gets everything added, a group only in {@code served} has everything removed (it is
     * served an empty snapshot), and groups without a change are left out.
     */
    public static SortedMap<String, GroupChanges> between(
            Map<String, GroupResources> served, Map<String, GroupResources> next) {
        SortedSet<String> groups = new TreeSet<>(served.keySet());
        groups.addAll(next.keySet());
        SortedMap<String, GroupChanges> out = new TreeMap<>();
        for (String group : groups) {
            GroupChanges changes = between(
                    served.getOrDefault(group, GroupResources.empty(group)),
                    next.getOrDefault(group, GroupResources.empty(group)));
            if (!changes.isEmpty()) {
                out.put(group, changes);
            }
        }
        return out;
    }

    private static TypeChanges between(SortedMap<String, Message> before, SortedMap<String, Message> after) {
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        after.forEach((name, resource) -> {
            Message old = before.get(name);
            if (old == null) {
                added.add(name);
            } else if (!old.equals(resource)) {
                changed.add(name);
            }
        });
        before.keySet().stream().filter(name -> !after.containsKey(name)).forEach(removed::add);
        return new TypeChanges(added, changed, removed);
    }

    private static SortedMap<String, Message> byName(List<? extends Message> resources) {
        SortedMap<String, Message> out = new TreeMap<>();
        resources.forEach(r -> out.put(Resources.getResourceName(r), r));
        return out;
    }
}
