package dev.tandem.xds.serve;

import com.google.protobuf.Message;
import dev.tandem.xds.serve.TypeHistory.Diff;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.VersionedResource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The state-of-the-world answer rule (ADR 0009): what a client lacks of one type of a snapshot, given
 * what it holds and what it asks for. No streams, watches or locks: {@link SotwCache} brings the
 * client's state and sends what this decides.
 *
 * <ul>
 *   <li>Listeners and clusters always go complete: all of them to a wildcard subscriber (Envoy), every
 *       named one to a named subscriber (gRPC), also when a name is added at the same label.</li>
 *   <li>Routes, endpoints and secrets: the subscribed resources whose content differs from what the
 *       client holds, plus names it newly subscribes to; when only others changed, an empty answer that
 *       moves the version, so status and ACK tracking stay exact.</li>
 *   <li>A clusters answer names the assignments Envoy will wait for ({@link Rewarm}); the next endpoints
 *       answer carries them.</li>
 * </ul>
 */
final class SotwAnswers {

    private final NameSets nameSets;

    SotwAnswers(NameSets nameSets) {
        this.nameSets = nameSets;
    }

    /** Whether every response of {@code type} must hold every subscribed resource (listeners and clusters). */
    static boolean isComplete(ResourceType type) {
        return type == ResourceType.LISTENER || type == ResourceType.CLUSTER;
    }

    /**
     * What a client that presents {@code version} and nothing more holds: nothing without a version; a
     * wildcard subscriber of listeners or clusters holds that version's every resource (they come
     * complete); anyone else holds that content for names unknown: the names it asks for are sent.
     */
    static Holding presented(ResourceType type, boolean wildcard, String version) {
        if (version.isEmpty()) {
            return Holding.NONE;
        }
        return isComplete(type) && wildcard ? Holding.complete(version) : new Holding(version, Set.of(), null);
    }

    /** A name the client no longer subscribes to is forgotten: subscribing again must bring it anew. */
    Holding subscribedOnly(Holding holding, Set<String> requested) {
        if (holding.names() == null
                || holding.names().isEmpty()
                || requested.isEmpty()
                || holding.requested() == requested
                || requested.containsAll(holding.names())) {
            return holding;
        }
        Set<String> kept = new HashSet<>(holding.names());
        kept.retainAll(requested);
        return new Holding(holding.label(), nameSets.of(kept), null);
    }

    /**
     * What a client lacks of one type, or nothing when it lacks nothing.
     *
     * @param ads           whether the client's stream is ADS (only then is Envoy's re-warm rule followed)
     * @param requested     the (interned) names it asks for, empty for every resource of the type
     * @param has           what it holds
     * @param pendingRewarm the assignments waiting to re-warm (only endpoints answers carry them)
     * @param label         the snapshot's version label of the type
     * @param resources     the snapshot's resources of the type, by name
     * @param history       the group's labels of the type
     */
    Optional<Answer> answer(
            ResourceType type,
            boolean ads,
            Set<String> requested,
            Holding has,
            Set<String> pendingRewarm,
            String label,
            Map<String, VersionedResource<?>> resources,
            TypeHistory history) {
        return isComplete(type)
                ? complete(type, ads, requested, has, label, resources, history)
                : partial(type, requested, has, pendingRewarm, label, resources, history);
    }

    private Optional<Answer> complete(
            ResourceType type,
            boolean ads,
            Set<String> requested,
            Holding has,
            String label,
            Map<String, VersionedResource<?>> resources,
            TypeHistory history) {
        List<Message> send = new ArrayList<>();
        Holding next;
        if (requested.isEmpty()) {
            if (label.equals(has.label()) && has.names() == null) {
                return Optional.empty();
            }
            resources.values().forEach(r -> send.add(r.resource()));
            next = Holding.complete(label);
        } else {
            // Named (gRPC clients subscribe to the clusters their routes use): a name newly asked
            // for at the same version needs an answer too.
            Set<String> present = present(requested, resources);
            if (label.equals(has.label()) && (has.names() == null || has.names().containsAll(present))) {
                return Optional.empty();
            }
            for (String name : requested) {
                VersionedResource<?> r = resources.get(name);
                if (r != null) {
                    send.add(r.resource());
                }
            }
            next = new Holding(label, present, requested);
        }
        Set<String> rewarm = type == ResourceType.CLUSTER && ads
                ? Rewarm.ofChangedClusters(history, has.label(), resources)
                : Set.of();
        return Optional.of(new Answer(send, next, rewarm, Set.of()));
    }

    private Optional<Answer> partial(
            ResourceType type,
            Set<String> requested,
            Holding has,
            Set<String> pendingRewarm,
            String label,
            Map<String, VersionedResource<?>> resources,
            TypeHistory history) {
        Set<String> warm = type == ResourceType.ENDPOINT ? pendingRewarm : Set.of();
        Diff diff = has.names() != null && !requested.isEmpty() && has.requested() == requested
                ? history.diff(has.label(), label)
                : null;
        List<Message> send = new ArrayList<>();
        Set<String> holds;
        if (diff != null) {
            // The common case, cheap for 1,000s of names: the same request as last time, from a version this
            // process knows: only what changed between the two versions, and what is waiting to re-warm.
            for (String name : diff.changed()) {
                VersionedResource<?> r = resources.get(name);
                if (r != null && requested.contains(name) && !warm.contains(name)) {
                    send.add(r.resource());
                }
            }
            for (String name : new TreeSet<>(warm)) {
                VersionedResource<?> r = resources.get(name);
                if (r != null && requested.contains(name)) {
                    send.add(r.resource());
                }
            }
            holds = diff.sameNames() ? has.names() : present(requested, resources);
        } else {
            Map<String, String> before = history.versions(has.label());
            Iterable<String> names = requested.isEmpty() ? resources.keySet() : requested;
            Set<String> present = new HashSet<>();
            for (String name : names) {
                VersionedResource<?> r = resources.get(name);
                if (r == null) {
                    continue;
                }
                present.add(name);
                if (before == null
                        || !has.holds(name)
                        || !r.version().equals(before.get(name))
                        || warm.contains(name)) {
                    send.add(r.resource());
                }
            }
            holds = nameSets.of(present);
        }
        if (send.isEmpty() && label.equals(has.label())) {
            return Optional.empty();
        }
        Holding next = new Holding(label, holds, requested.isEmpty() ? null : requested);
        return Optional.of(new Answer(send, next, Set.of(), warm));
    }

    private Set<String> present(Set<String> requested, Map<String, VersionedResource<?>> resources) {
        Set<String> present = new HashSet<>();
        for (String name : requested) {
            if (resources.containsKey(name)) {
                present.add(name);
            }
        }
        return nameSets.of(present);
    }

    /**
     * What to send a client, and what it will hold once it ACKs.
     *
     * @param resources the resources to send, in order; the response's version is {@code holding}'s label
     * @param rewarm    for a clusters answer, the assignments the next endpoints answer must carry
     * @param warmed    for an endpoints answer, the pending assignments it carried
     */
    record Answer(List<Message> resources, Holding holding, Set<String> rewarm, Set<String> warmed) {}
}
