package dev.tandem.xds.serve;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's re-warm rule, and one stream's assignments waiting for it. A cluster that changed is
 * re-created by Envoy, which then waits for its assignment even if the assignment did not change (what
 * {@code SimpleCache}'s {@code hasClusterChanged} answers with a full EDS re-send): the next endpoints
 * answer after a clusters answer carries the assignments of the clusters the client had and that changed.
 */
final class Rewarm {

    /** Assignments to send with the next endpoints answer, for clusters Envoy re-creates. */
    @GuardedBy("this")
    private Set<String> pending = Set.of();

    /**
     * The assignments of clusters the client had at {@code previousLabel} and that changed: Envoy
     * re-creates a changed cluster, and the new one waits for its assignment even when the assignment did
     * not change. (A cluster it did not have brings a new assignment name, which is sent anyway.)
     *
     * @param history  the group's cluster labels
     * @param clusters the clusters being sent
     */
    static Set<String> ofChangedClusters(
            TypeHistory history, String previousLabel, Map<String, VersionedResource<?>> clusters) {
        if (previousLabel.isEmpty()) {
            return Set.of();
        }
        Map<String, String> before = history.versions(previousLabel);
        Set<String> names = new HashSet<>();
        clusters.forEach((name, r) -> {
            String had = before == null ? null : before.get(name);
            // Clusters from a version this process does not know: any of them may be re-created.
            if (before == null || had != null && !r.version().equals(had)) {
                Cluster cluster = (Cluster) r.resource();
                String service = cluster.getEdsClusterConfig().getServiceName();
                names.add(service.isEmpty() ? name : service);
            }
        });
        return names;
    }

    /** A clusters answer was sent: its changed clusters' assignments wait for the next endpoints answer. */
    synchronized void add(Set<String> names) {
        Set<String> all = new HashSet<>(pending);
        all.addAll(names);
        pending = Set.copyOf(all);
    }

    synchronized Set<String> pending() {
        return pending;
    }

    /** The assignments an endpoints answer carried are no longer pending; ones added since still are. */
    synchronized void carried(Set<String> carried) {
        if (!carried.isEmpty()) {
            Set<String> left = new HashSet<>(pending);
            left.removeAll(carried);
            pending = Set.copyOf(left);
        }
    }
}
