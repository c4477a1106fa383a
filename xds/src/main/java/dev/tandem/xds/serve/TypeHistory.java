package dev.tandem.xds.serve;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One group's recent version labels of one type, each as its resources' name → version map, and the
 * differences between two of them already computed: every client that asks the same two labels shares
 * one {@link Diff} (at 1,000 × 1,000 comparing 1,000 names per client was most of each push, ADR 0009).
 *
 * <p>Lookups answer {@code null} for a label this process does not know: they run for every open
 * watch on every push, where an {@code Optional} per lookup would be garbage.
 */
final class TypeHistory {

    @GuardedBy("this")
    private final LinkedHashMap<String, Map<String, String>> labels = new LinkedHashMap<>();
    /** Cleared as a whole when it grows past a few per label kept: a race only computes a diff again. */
    private final Map<String, Diff> diffs = new ConcurrentHashMap<>();

    /** Keeps {@code label}'s resource versions as the newest, dropping the oldest beyond {@link LabelHistory#HISTORY}. */
    synchronized void remember(String label, Map<String, String> versions) {
        labels.remove(label);
        labels.put(label, Map.copyOf(versions));
        while (labels.size() > LabelHistory.HISTORY) {
            labels.remove(labels.keySet().iterator().next());
        }
    }

    /** The resource versions of {@code label}, or {@code null} when this process does not know it. */
    synchronized Map<String, String> versions(String label) {
        return label.isEmpty() ? null : labels.get(label);
    }

    /** The difference between two labels (computed once, shared by every client), or {@code null} when one is unknown. */
    Diff diff(String from, String to) {
        if (from.isEmpty()) {
            return null;
        }
        String key = from + '>' + to;
        Diff cached = diffs.get(key);
        if (cached != null) {
            return cached;
        }
        Map<String, String> before = versions(from);
        Map<String, String> after = versions(to);
        if (before == null || after == null) {
            return null;
        }
        List<String> changed = new ArrayList<>();
        after.forEach((name, version) -> {
            if (!version.equals(before.get(name))) {
                changed.add(name);
            }
        });
        Collections.sort(changed);
        boolean sameNames = before.size() == after.size() && before.keySet().containsAll(after.keySet());
        Diff diff = new Diff(List.copyOf(changed), sameNames);
        if (diffs.size() > 4 * LabelHistory.HISTORY) {
            diffs.clear();
        }
        diffs.put(key, diff);
        return diff;
    }

    /**
     * What differs between two versions of a type.
     *
     * @param changed   names whose resource differs or is new, sorted
     * @param sameNames whether both versions hold the same names
     */
    record Diff(List<String> changed, boolean sameNames) {}
}
