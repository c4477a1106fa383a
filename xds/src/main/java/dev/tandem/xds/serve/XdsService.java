package dev.tandem.xds.serve;

import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.BindableService;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves node-group snapshots over ADS (state-of-the-world and Delta): the cache, java-control-plane's
 * discovery server, the registry of connected data planes and the publisher that feeds them.
 *
 * <p>A data plane's node group is its {@code node.cluster}. Publishing runs on one publisher thread
 * owned by this service: {@code setSnapshot} writes to every open stream of a group on the calling
 * thread, which must never be a request thread, and one thread keeps revisions in order.
 *
 * <p>Thread-safe. {@link #close()} stops the publisher; the gRPC server that hosts
 * {@link #aggregatedDiscoveryService()} is the caller's to stop.
 */
public final class XdsService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XdsService.class);

    private final SimpleCache<String> cache = new SimpleCache<>(Node::getCluster);
    private final Rejections rejections = new Rejections();
    private final NackGuard guard;
    private final Clock clock;
    private final DataPlaneRegistry registry;
    private final V3DiscoveryServer server;
    private final ExecutorService publisher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tandem-xds-publisher");
        t.setDaemon(true);
        return t;
    });
    private volatile SortedMap<String, GroupSnapshot> published = new TreeMap<>();
    /** Per group, the snapshot served before the current one (what a halted revision changed is the difference). */
    private final Map<String, GroupSnapshot> previousVersions = new ConcurrentHashMap<>();
    private final Consumer<String> beforeSetSnapshot;
    /** Groups whose last snapshot could not be set (perhaps half): set again by the next publish. Publisher thread only. */
    private final Set<String> unsettled = new HashSet<>();

    public XdsService(Clock clock) {
        this(clock, group -> {
        });
    }

    /**
     * @param beforeSetSnapshot called with each node group before its snapshot is set; throwing makes
     *                          that group's publish fail. Nothing in production: tests use it to
     *                          make a publish fail.
     */
    public XdsService(Clock clock, Consumer<String> beforeSetSnapshot) {
        this.clock = clock;
        this.beforeSetSnapshot = beforeSetSnapshot;
        this.guard = new NackGuard(cache, new SotwCache(clock), rejections);
        this.registry = new DataPlaneRegistry(group -> published.containsKey(group), this::nacked, clock);
        registry.onStreamClosed(guard::streamClosed);
        this.server = new V3DiscoveryServer(List.of(registry), guard, new io.envoyproxy.controlplane.server.DefaultExecutorGroup(),
                new SerializedOnce());
    }

    /** The ADS service (SotW and Delta) to host on a gRPC server. */
    public BindableService aggregatedDiscoveryService() {
        return server.getAggregatedDiscoveryServiceImpl();
    }

    public List<DataPlaneStatus> connectedDataPlanes() {
        return registry.connected();
    }

    /** NACKs received since start, all groups. */
    public long nackTotal() {
        return registry.nackTotal();
    }

    /** The group's halted rollout, if a node rejected its revision and the group halts on NACK. */
    public java.util.Optional<RolloutHalt> halt(String nodeGroup) {
        return rejections.halt(nodeGroup);
    }

    /** Requests held back (rejected versions, halted rollouts) right now. */
    public int heldRequests() {
        return guard.heldCount();
    }

    /**
     * Called on the gRPC thread of the NACK, before the discovery server asks for the next watch: the
     * rejection must be on record by then, or the library would answer with the same version.
     */
    private void nacked(String nodeId, String group, String type, String version, String detail) {
        rejections.reject(nodeId, group, type, version);
        GroupSnapshot served = published.get(group);
        if (served != null && served.haltOnNack() && version.equals(served.versionOf(type))
                && rejections.halt(group).isEmpty()) {
            // Only what the halted revision changed is held back; unchanged types still reach new nodes.
            GroupSnapshot before = previousVersions.get(group);
            java.util.Set<String> changed = new java.util.TreeSet<>();
            for (String t : List.of("listeners", "routes", "clusters", "endpoints", "secrets")) {
                if (before == null || !Objects.equals(before.versionOf(t), served.versionOf(t))) {
                    changed.add(t);
                }
            }
            rejections.halt(group, new RolloutHalt(served.revision(), nodeId, type, version, detail, clock.instant(), changed));
            LOG.warn("rollout of revision {} to node group '{}' halted: node '{}' rejected {} version {}; "
                    + "nodes without it keep their config until the next revision", served.revision(), group, nodeId,
                    type, version);
        }
    }

    /** The snapshots being served, by node group. */
    public SortedMap<String, GroupSnapshot> published() {
        return published;
    }

    /**
     * Serves {@code groups} as revision {@code revision}. A group that was served before and is absent
     * now gets an empty snapshot, so its data planes drop the config instead of keeping a stale one.
     * Snapshots are built (and checked for consistency) before any is set: a failure publishes nothing.
     *
     * @return completes when every group's snapshot is set, or exceptionally with a
     *         {@link PublishFailedException} naming the groups whose snapshot could not be set (the
     *         others are set; the failed ones stay on what they had, and publishing the same
     *         snapshots again retries them)
     */
    public CompletableFuture<SortedMap<String, GroupSnapshot>> publish(long revision, SortedMap<String, GroupResources> groups) {
        SortedMap<String, GroupSnapshot> built = new TreeMap<>();
        groups.forEach((group, resources) -> built.put(group, GroupSnapshot.of(resources, revision)));
        return publishSnapshots(revision, built);
    }

    /**
     * Serves snapshots already built (and so checked) as revision {@code revision}; otherwise as
     * {@link #publish}. The write path builds them before it stores a revision, and need not build them twice.
     */
    public CompletableFuture<SortedMap<String, GroupSnapshot>> publishSnapshots(long revision, SortedMap<String, GroupSnapshot> built) {
        return CompletableFuture.supplyAsync(() -> {
            SortedMap<String, GroupSnapshot> next = new TreeMap<>();
            built.forEach((group, snapshot) -> next.put(group, snapshot.withRevision(revision)));
            for (String gone : published.keySet()) {
                if (!next.containsKey(gone)) {
                    next.put(gone, GroupSnapshot.of(GroupResources.empty(gone), revision));
                }
            }
            SortedMap<String, GroupSnapshot> previous = published;
            published = next;
            SortedMap<String, RuntimeException> failed = new TreeMap<>();
            next.forEach((group, snapshot) -> {
                GroupSnapshot before = previous.get(group);
                boolean changed = before == null || !Objects.equals(before.versions(), snapshot.versions())
                        || unsettled.contains(group);
                // Each group on its own: a failure in one (a stream that cannot be written) must not
                // keep the next groups on the old revision.
                // A new revision that changes the group lifts its halted rollout (rollout.haltOnNack)
                // before it is set, so that a NACK of it while it is being set halts it in turn. If it
                // cannot be set, the halt is put back before the held requests are looked at again.
                Optional<RolloutHalt> lifted = changed ? rejections.halt(group) : Optional.empty();
                lifted.ifPresent(h -> rejections.lift(group));
                try {
                    if (changed) {
                        if (before != null) {
                            previousVersions.put(group, before);
                        }
                        beforeSetSnapshot.accept(group);
                        guard.setSnapshot(group, snapshot.snapshot());
                        unsettled.remove(group);
                        lifted.ifPresent(h -> LOG.info("rollout halt of node group '{}' (revision {}) lifted by revision {}",
                                group, h.revision(), revision));
                        // Rejections of what the group no longer serves go only once the new snapshot is set.
                        rejections.prune(group, snapshot::versionOf);
                        LOG.info("snapshot published: group '{}' revision {} versions {}", group, revision, describe(snapshot));
                    }
                } catch (RuntimeException e) {
                    lifted.ifPresent(h -> rejections.halt(group, h));
                    // It may be half set (the cache, not the SotW answers): the next publish sets it again
                    // whatever its versions say.
                    unsettled.add(group);
                    failed.put(group, e);
                    LOG.error("publishing revision {} to node group '{}' failed", revision, group, e);
                } finally {
                    guard.release(group);
                }
            });
            if (!failed.isEmpty()) {
                // What failed is not published: the group keeps what it had, so that publishing the
                // same snapshots again sees it changed and sets it.
                SortedMap<String, GroupSnapshot> served = new TreeMap<>(next);
                failed.keySet().forEach(group -> {
                    GroupSnapshot before = previous.get(group);
                    if (before == null) {
                        served.remove(group);
                    } else {
                        served.put(group, before);
                    }
                });
                published = served;
                throw new PublishFailedException(revision, failed);
            }
            return next;
        }, publisher);
    }

    private static Map<String, String> describe(GroupSnapshot s) {
        GroupSnapshot.Versions v = s.versions();
        return new TreeMap<>(Map.of("listeners", v.listeners(), "routes", v.routes(), "clusters", v.clusters(),
                "endpoints", v.endpoints()));
    }

    @Override
    public void close() {
        publisher.shutdown();
        try {
            if (!publisher.awaitTermination(10, TimeUnit.SECONDS)) {
                publisher.shutdownNow();
            }
        } catch (InterruptedException e) {
            publisher.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
