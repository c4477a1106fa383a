package dev.tandem.xds.serve;

import dev.tandem.xds.snapshot.GroupSnapshot;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What is served now, by node group, and what each group served before it: the one record of it in
 * the process. Written only by the publisher ({@link XdsService}); read by any thread (status,
 * exports, the NACK guard deciding what a halted revision changed).
 */
final class ServedSnapshots {

    private volatile SortedMap<String, GroupSnapshot> now = new TreeMap<>();
    /** Per group, the snapshot served before the current one: what a halted revision changed is the difference. */
    private final Map<String, GroupSnapshot> before = new ConcurrentHashMap<>();

    /** Every group's snapshot being served, by node group; an unmodifiable view that a later publish does not change. */
    SortedMap<String, GroupSnapshot> now() {
        return now;
    }

    Optional<GroupSnapshot> now(String group) {
        return Optional.ofNullable(now.get(group));
    }

    Optional<GroupSnapshot> before(String group) {
        return Optional.ofNullable(before.get(group));
    }

    /** {@code next} is served from now on. Publisher thread only. */
    void serve(SortedMap<String, GroupSnapshot> next) {
        now = Collections.unmodifiableSortedMap(new TreeMap<>(next));
    }

    /** {@code group} replaces {@code previous}, which becomes what it served before. Publisher thread only. */
    void replaced(String group, GroupSnapshot previous) {
        before.put(group, previous);
    }
}
