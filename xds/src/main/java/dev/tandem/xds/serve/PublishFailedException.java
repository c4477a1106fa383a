package dev.tandem.xds.serve;

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

    PublishFailedException(long revision, Map<String, ? extends Throwable> failed) {
        super(describe(revision, failed), failed.values().iterator().next());
        this.revision = revision;
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

    /** Per node group that failed, what went wrong. */
    public SortedMap<String, String> causes() {
        return causes;
    }

    private static String describe(long revision, Map<String, ? extends Throwable> failed) {
        return "revision " + revision + " could not be published to node group(s) " + failed.entrySet().stream()
                .map(e -> "'" + e.getKey() + "' (" + e.getValue().getMessage() + ")").collect(Collectors.joining(", "));
    }
}
