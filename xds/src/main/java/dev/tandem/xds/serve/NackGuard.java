package dev.tandem.xds.serve;

import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of what follows from a NACK (ADR 0004): it records each rejection (by node id, so it
 * outlives the stream), decides whether it halts the group's rollout ({@code rollout.haltOnNack}),
 * decides for every request whether it must be held back, and lifts, restores and prunes as
 * revisions are published.
 *
 * <p>Who tells it: the registry, which alone can tell which version a NACK rejects (from the nonce
 * of the response it answers), calls {@link #rejected} on the stream's thread before the discovery
 * server asks for the next watch, so the rejection is on record when {@link HeldRequests} asks
 * {@link #mustHold}. The publisher ({@link XdsService}) calls {@link #lift}, {@link #restore} and
 * {@link #prune} around each snapshot it sets.
 *
 * <p>Thread-safe.
 */
final class NackGuard {

    private static final Logger LOG = LoggerFactory.getLogger(NackGuard.class);

    private final Rejections rejections = new Rejections();
    private final ServedSnapshots served;
    private final Clock clock;

    NackGuard(ServedSnapshots served, Clock clock) {
        this.served = served;
        this.clock = clock;
    }

    /**
     * {@code nodeId} rejected {@code version} of {@code type}: it is not sent that version again, and
     * a group that halts on NACK stops the rollout of the revision being served if that is the version.
     */
    void rejected(String nodeId, String group, XdsType type, String version, String detail) {
        rejections.reject(nodeId, group, type, version);
        Optional<GroupSnapshot> now = served.now(group);
        if (now.isEmpty()
                || !now.get().haltOnNack()
                || !version.equals(now.get().versionOf(type))
                || rejections.halt(group).isPresent()) {
            return;
        }
        GroupSnapshot current = now.get();
        // Only what the halted revision changed is held back; unchanged types still reach new nodes.
        Optional<GroupSnapshot> before = served.before(group);
        Set<String> changed = new TreeSet<>();
        for (XdsType t : XdsType.values()) {
            if (before.isEmpty() || !Objects.equals(before.get().versionOf(t), current.versionOf(t))) {
                changed.add(t.shortName());
            }
        }
        rejections.halt(
                group,
                new RolloutHalt(
                        current.revision(), nodeId, type.shortName(), version, detail, clock.instant(), changed));
        LOG.warn(
                "rollout of revision {} to node group '{}' halted: node '{}' rejected {} version {}; "
                        + "nodes without it keep their config until the next revision",
                current.revision(),
                group,
                nodeId,
                type.shortName(),
                version);
    }

    /**
     * Whether a request must get no answer now.
     *
     * @param current       the version of the type the cache would answer with
     * @param clientVersion the version the request presents
     * @param nack          the request rejects the last response
     */
    boolean mustHold(Node node, XdsType type, String current, String clientVersion, boolean nack) {
        // Checked before the version comparison: a Delta client presents the version last *sent*, which
        // after a NACK is the rejected one. A new process of the node (its first request: no version, no
        // NACK) may try the version once more; its NACK then holds it again.
        boolean freshStart = clientVersion.isEmpty() && !nack;
        if (!freshStart
                && rejections
                        .rejected(node.getId(), type)
                        .filter(current::equals)
                        .isPresent()) {
            return true;
        }
        if (current.equals(clientVersion)) {
            return false; // nothing would be sent anyway
        }
        return rejections
                .halt(node.getCluster())
                .filter(h -> h.heldTypes().contains(type.shortName()))
                .isPresent();
    }

    /** The group's halted rollout, if any. */
    Optional<RolloutHalt> halt(String group) {
        return rejections.halt(group);
    }

    /**
     * A new revision that changes the group lifts its halt before it is set, so that a NACK of it while
     * it is being set halts it in turn.
     *
     * @return the halt lifted, to {@link #restore} if the new revision cannot be set
     */
    Optional<RolloutHalt> lift(String group) {
        Optional<RolloutHalt> halt = rejections.halt(group);
        halt.ifPresent(h -> rejections.lift(group));
        return halt;
    }

    /** The revision that lifted {@code halt} could not be set: the group stays halted. */
    void restore(String group, RolloutHalt halt) {
        rejections.halt(group, halt);
    }

    /**
     * {@code snapshot} is set: rejections of what the group no longer serves can never matter again and
     * are forgotten, which keeps the ledger bounded by what is served.
     */
    void prune(String group, GroupSnapshot snapshot) {
        rejections.prune(group, snapshot::versionOf);
    }
}
