package dev.tandem.xds.serve;

import dev.tandem.xds.snapshot.GroupSnapshot;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Some node groups' snapshots of a revision could not be set; the message names each with its cause. */
public final class PublishFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long revision;
    private final SortedMap<String, String> causes;
    /** Snapshots are not serializable; an exception that crosses a process boundary loses them, not its message. */
    private final transient SortedMap<String, GroupSnapshot> served;

    PublishFailedException(
            long revision, Map<String, ? extends Throwable> failed, SortedMap<String, GroupSnapshot> served) {
        super(describe(revision, failed), failed.values().iterator().next());
        this.revision = revision;
        this.served = served;
        TreeMap<String, String> out = new TreeMap<>();
        failed.forEach((group, e) -> out.put(group, String.valueOf(e.getMessage())));
        this.causes = out;
    }

    public long revision() {
        return revision;
    }

    /** The node groups whose snapshot could not be set. */
    public SortedSet<String> groups() {
        return new TreeSet<>(causes.keySet());
    }

    /** What is served after this publish: the groups that failed keep what they had. */
    public SortedMap<String, GroupSnapshot> served() {
        return served;
    }

    /** Per node group that failed, what went wrong. */
    public SortedMap<String, String> causes() {
        return causes;
    }

    private static String describe(long revision, Map<String, ? extends Throwable> failed) {
        return "revision " + revision + " could not be published to node group(s) "
                + failed.entrySet().stream()
                        .map(e -> "'" + e.getKey() + "' (" + e.getValue().getMessage() + ")")
                        .collect(Collectors.joining(", "));
    }
}
