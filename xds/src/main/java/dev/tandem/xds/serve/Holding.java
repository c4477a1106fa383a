package dev.tandem.xds.serve;

import java.util.Set;

/**
 * What a state-of-the-world client holds of one type: the version label it accepted, and the names it
 * has at that label's content. Every resource a client holds at label L has L's content, because an
 * answer leaves out only what the client already has equal.
 *
 * @param names     the (interned) names it has, or {@code null} for a wildcard subscriber of listeners or
 *                  clusters, which hold every resource of their label (they come complete)
 * @param requested the (interned) names the client asked for when it was answered, or {@code null} when
 *                  not known: with the same request, the next answer only needs what changed
 */
record Holding(String label, Set<String> names, Set<String> requested) {

    /** What a client that presents no version holds. */
    static final Holding NONE = new Holding("", Set.of(), null);

    /** For listeners and clusters: a label says everything. */
    static Holding complete(String label) {
        return new Holding(label, null, null);
    }

    boolean holds(String name) {
        return names == null || names.contains(name);
    }
}
