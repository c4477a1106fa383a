package dev.tandem.appliance.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Per node group, per resource type ({@code listeners}, ...), the version a target serves. */
record ServedVersions(Map<String, Map<String, String>> byGroup) {

    ServedVersions {
        byGroup = Map.copyOf(byGroup);
    }

    boolean isEmpty() {
        return byGroup.isEmpty();
    }

    /** The version of {@code type} the group is served; every group the bench drives is served every type. */
    String of(String group, String type) {
        String version = byGroup.getOrDefault(group, Map.of()).get(type);
        if (version == null) {
            throw new IllegalStateException("the target serves node group '" + group + "' no " + type);
        }
        return version;
    }

    /** Which of {@code types} changed, in that order, for any group served now. */
    List<String> changedSince(ServedVersions before, List<String> types) {
        List<String> changed = new ArrayList<>();
        for (String type : types) {
            boolean differs = byGroup.keySet().stream()
                    .anyMatch(g -> !Objects.equals(
                            before.byGroup.getOrDefault(g, Map.of()).get(type),
                            byGroup.get(g).get(type)));
            if (differs) {
                changed.add(type);
            }
        }
        return changed;
    }
}
