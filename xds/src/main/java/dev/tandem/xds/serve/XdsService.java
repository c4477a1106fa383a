package dev.tandem.xds.serve;

import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.snapshot.XdsType;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DefaultExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves node-group snapshots over ADS (state-of-the-world and Delta), and owns what is served now
 * ({@link #served()}). Inside: java-control-plane's discovery server, the registry of connected data
 * planes ({@link DataPlaneRegistry}), the NACK guard ({@link NackGuard}: what a rejection holds
 * back), the watcher that holds requests back and answers the rest ({@link HeldRequests}), and the
 * publisher that feeds them.
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

    private final ServedSnapshots served = new ServedSnapshots();
    private final NackGuard nacks;
    private final HeldRequests watcher;
    private final DataPlaneRegistry registry;
    private final V3DiscoveryServer server;
    private final Consumer<String> beforeSetSnapshot;
    private final ExecutorService publisher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tandem-xds-publisher");
        t.setDaemon(true);
        return t;
    });
    /** Groups whose last snapshot could not be set (perhaps half): set again by the next publish. Publisher thread only. */
    private final Set<String> unsettled = new HashSet<>();

    public XdsService(Clock clock) {
        this(clock, group -> {});
    }

    /**
     * @param beforeSetSnapshot a test seam: called with each node group before its snapshot is set;
     *                          throwing makes that group's publish fail. Production passes nothing
     *                          ({@link #XdsService(Clock)}).
     */
    public XdsService(Clock clock, Consumer<String> beforeSetSnapshot) {
        this.beforeSetSnapshot = beforeSetSnapshot;
        this.nacks = new NackGuard(served, clock);
        this.watcher = new HeldRequests(new SimpleCache<>(Node::getCluster), new SotwCache(clock), nacks);
        this.registry = new DataPlaneRegistry(served::now, nacks, watcher::streamClosed, clock);
        this.server =
                new V3DiscoveryServer(List.of(registry), watcher, new DefaultExecutorGroup(), new SerializedOnce());
    }

    /**
     * The ADS service (SotW and Delta) to host on a gRPC server, with the interceptor that gives each
     * call its {@link AdsStream}.
     */
    public ServerServiceDefinition aggregatedDiscoveryService() {
        return ServerInterceptors.intercept(server.getAggregatedDiscoveryServiceImpl(), AdsStream.interceptor());
    }

    public List<DataPlaneStatus> connectedDataPlanes() {
        return registry.connected();
    }

    /** NACKs received since start, all groups. */
    public long nackTotal() {
        return registry.nackTotal();
    }

    /** The group's halted rollout, if a node rejected its revision and the group halts on NACK. */
    public Optional<RolloutHalt> halt(String nodeGroup) {
        return nacks.halt(nodeGroup);
    }

    /** Requests held back (rejected versions, halted rollouts) right now. */
    public int heldRequests() {
        return watcher.heldCount();
    }

    /** The snapshots being served now, by node group: what data planes get, and what exports write. */
    public SortedMap<String, GroupSnapshot> served() {
        return served.now();
    }

    /**
     * Serves {@code snapshots}, all of revision {@code revision}, the one way a stored revision reaches
     * data planes. A group that was served before and is absent now gets an empty snapshot, so its data
     * planes drop the config instead of keeping a stale one.
     *
     * @return completes with what is served once every group's snapshot is set, or exceptionally with a
     *         {@link PublishFailedException} naming the groups whose snapshot could not be set (the
     *         others are set; the failed ones stay on what they had, and publishing the same
     *         snapshots again retries them)
     * @throws IllegalArgumentException when a snapshot is of another revision
     */
    public CompletableFuture<SortedMap<String, GroupSnapshot>> publish(
            long revision, SortedMap<String, GroupSnapshot> snapshots) {
        snapshots.forEach((group, snapshot) -> {
            if (snapshot.revision() != revision) {
                throw new IllegalArgumentException("node group '" + group + "': a snapshot of revision "
                        + snapshot.revision() + " published as revision " + revision);
            }
        });
        return CompletableFuture.supplyAsync(() -> setAll(revision, snapshots), publisher);
    }

    /** Publisher thread. */
    private SortedMap<String, GroupSnapshot> setAll(long revision, SortedMap<String, GroupSnapshot> snapshots) {
        SortedMap<String, GroupSnapshot> next = new TreeMap<>(snapshots);
        for (String gone : served.now().keySet()) {
            if (!next.containsKey(gone)) {
                next.put(gone, GroupSnapshot.of(GroupResources.empty(gone), revision));
            }
        }
        SortedMap<String, GroupSnapshot> previous = served.now();
        served.serve(next);
        SortedMap<String, RuntimeException> failed = new TreeMap<>();
        // Each group on its own: a failure in one (a stream that cannot be written) must not keep the
        // next groups on the old revision.
        next.forEach((group, snapshot) -> {
            GroupSnapshot before = previous.get(group);
            boolean changed = before == null
                    || !Objects.equals(before.versions(), snapshot.versions())
                    || unsettled.contains(group);
            try {
                if (changed) {
                    set(group, snapshot, before);
                }
            } catch (RuntimeException e) {
                failed.put(group, e);
                LOG.error("publishing revision {} to node group '{}' failed", revision, group, e);
            } finally {
                watcher.release(group);
            }
        });
        if (failed.isEmpty()) {
            return served.now();
        }
        // What failed is not served: the group keeps what it had, so that publishing the same snapshots
        // again sees it changed and sets it.
        SortedMap<String, GroupSnapshot> kept = new TreeMap<>(next);
        failed.keySet().forEach(group -> {
            GroupSnapshot before = previous.get(group);
            if (before == null) {
                kept.remove(group);
            } else {
                kept.put(group, before);
            }
        });
        served.serve(kept);
        throw new PublishFailedException(revision, failed, served.now());
    }

    /**
     * Sets one group's changed snapshot. A revision that changes the group lifts its halted rollout
     * before it is set, so that a NACK of it while it is being set halts it in turn; if it cannot be
     * set, the halt is put back before the held requests are looked at again.
     */
    private void set(String group, GroupSnapshot snapshot, GroupSnapshot before) {
        Optional<RolloutHalt> lifted = nacks.lift(group);
        try {
            if (before != null) {
                served.replaced(group, before);
            }
            beforeSetSnapshot.accept(group);
            watcher.setSnapshot(group, snapshot.snapshot());
        } catch (RuntimeException e) {
            lifted.ifPresent(h -> nacks.restore(group, h));
            // It may be half set (the cache, not the SotW answers): the next publish sets it again
            // whatever its versions say.
            unsettled.add(group);
            throw e;
        }
        unsettled.remove(group);
        lifted.ifPresent(h -> LOG.info(
                "rollout halt of node group '{}' (revision {}) lifted by revision {}",
                group,
                h.revision(),
                snapshot.revision()));
        // Rejections of what the group no longer serves go only once the new snapshot is set.
        nacks.prune(group, snapshot);
        LOG.info(
                "snapshot published: group '{}' revision {} versions {}",
                group,
                snapshot.revision(),
                describe(snapshot));
    }

    private static Map<String, String> describe(GroupSnapshot s) {
        SortedMap<String, String> out = s.versionsByType();
        out.remove(XdsType.SECRETS.shortName());
        return out;
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
