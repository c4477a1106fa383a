package dev.tandem.appliance.revisions;

import dev.tandem.appliance.store.Revision;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.model.InvalidConfigException;
import dev.tandem.xds.serve.XdsService;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.GroupResources;
import dev.tandem.xds.translate.Translator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path: validate → translate → store → publish. A config that fails validation or
 * translation is neither stored nor published; a stored revision is always published.
 *
 * <p>Applies are serialized (one writer), so revision numbers follow the order of publication.
 * Thread-safe.
 */
public final class RevisionService {

    private static final Logger LOG = LoggerFactory.getLogger(RevisionService.class);

    /** The revision being served and its parsed config. */
    public record Current(Revision revision, GatewayConfig config) {
    }

    /**
     * @param unchanged the config equals the current revision's: no revision was created, nothing pushed
     * @param versions  per node group, the version of each type its data planes ACK once they have the
     *                  revision (what a deploy script waits for in the status)
     */
    public record ApplyResult(long revision, boolean unchanged, List<String> nodeGroups,
                              java.util.SortedMap<String, java.util.SortedMap<String, String>> versions) {
    }

    private static java.util.SortedMap<String, java.util.SortedMap<String, String>> versions(
            java.util.Map<String, GroupSnapshot> snapshots, List<String> nodeGroups) {
        java.util.SortedMap<String, java.util.SortedMap<String, String>> out = new java.util.TreeMap<>();
        for (String group : nodeGroups) {
            GroupSnapshot snapshot = snapshots.get(group);
            if (snapshot != null) {
                out.put(group, snapshot.versionsByType());
            }
        }
        return out;
    }

    private static final java.time.Duration PUBLISH_WAIT = java.time.Duration.ofSeconds(10);

    private final RevisionStore store;
    private final XdsService xds;
    private final Clock clock;
    private final Object writeLock = new Object();
    private volatile Current current;

    private final java.util.function.UnaryOperator<GroupResources> afterTranslation;

    public RevisionService(RevisionStore store, XdsService xds, Clock clock) {
        this(store, xds, clock, java.util.function.UnaryOperator.identity(), null);
    }

    /**
     * @param afterTranslation applied to every group's resources after translation; identity in
     *                         production. Tests use it to serve resources a real data plane rejects.
     */
    public RevisionService(RevisionStore store, XdsService xds, Clock clock,
                           java.util.function.UnaryOperator<GroupResources> afterTranslation,
                           dev.tandem.appliance.store.AuditLog audit) {
        this.store = store;
        this.xds = xds;
        this.clock = clock;
        this.afterTranslation = afterTranslation;
        this.audit = audit;
    }

    private final dev.tandem.appliance.store.AuditLog audit;

    /** @param config with its secret files read in ({@link SecretFiles}) */
    private SortedMap<String, GroupResources> translate(GatewayConfig config) {
        SortedMap<String, GroupResources> out = new java.util.TreeMap<>();
        Translator.translate(config).forEach((group, resources) -> out.put(group, afterTranslation.apply(resources)));
        return out;
    }

    /**
     * Serves the newest stored revision, or applies {@code initialConfig} as the first one when the
     * store has none. Completes when the snapshots are set.
     */
    public CompletableFuture<?> start(Optional<Path> initialConfig) throws SQLException, IOException, InvalidConfigException {
        Optional<Revision> latest = store.latest();
        if (latest.isPresent()) {
            Revision r = latest.get();
            GatewayConfig config;
            try {
                config = SecretFiles.resolve(ConfigLoader.load(r.documents()));
            } catch (InvalidConfigException e) {
                // Valid when applied: now the model got stricter, or a secret file went missing on this host.
                throw new IllegalStateException("stored revision " + r.number() + " cannot be served: " + e.getMessage(), e);
            }
            current = new Current(r, config);
            LOG.info("serving stored revision {} (applied by {} at {})", r.number(), r.appliedBy(), r.appliedAt());
            return publish(r.number(), translate(config));
        }
        if (initialConfig.isPresent()) {
            Path file = initialConfig.get();
            LOG.info("no revision stored yet: applying the initial config {}", file);
            apply(Files.readString(file), "initialConfig", "local");
            return CompletableFuture.completedFuture(null);
        }
        LOG.info("no revision stored yet: serving nothing until the first apply");
        return CompletableFuture.completedFuture(null);
    }

    public Optional<Current> current() {
        return Optional.ofNullable(current);
    }

    /**
     * Validates {@code yaml} and, if it differs from the current revision, stores and publishes it.
     *
     * @throws InvalidConfigException with every error of the file; nothing stored, nothing pushed
     */
    public ApplyResult apply(String yaml, String actor, String from) throws InvalidConfigException, SQLException {
        // Secret files are read now: a renewed certificate file makes an otherwise equal config differ.
        GatewayConfig config = SecretFiles.resolve(ConfigLoader.load(yaml));
        synchronized (writeLock) {
            Current before = current;
            if (before != null && before.config().equals(config)) {
                LOG.info("apply by {} from {}: same config as revision {}, nothing to do", actor, from,
                        before.revision().number());
                return new ApplyResult(before.revision().number(), true, config.nodeGroups(),
                        versions(xds.published(), config.nodeGroups()));
            }
            // Translate before storing: a translation failure must not leave a stored revision behind.
            SortedMap<String, GroupSnapshot> built = new java.util.TreeMap<>();
            translate(config).forEach((group, resources) -> built.put(group, GroupSnapshot.of(resources, 0)));
            Revision revision = store.append(yaml, config.documentCount(), actor, from, clock.instant());
            if (audit != null) {
                audit.record(revision.appliedAt(), actor, from, "apply", config.documentCount() + " documents, node groups "
                        + config.nodeGroups(), revision.number());
            }
            current = new Current(revision, config);
            LOG.info("revision {} applied by {} from {}: {} documents, node groups {}", revision.number(), actor, from,
                    config.documentCount(), config.nodeGroups());
            awaitPublished(revision.number(), published(revision.number(), xds.publishSnapshots(revision.number(), built)));
            return new ApplyResult(revision.number(), false, config.nodeGroups(), versions(built, config.nodeGroups()));
        }
    }

    /**
     * An apply returns once its snapshots are set, so the status an operator reads next shows them.
     * The publisher thread does the writing; this only waits, and not forever.
     */
    private static void awaitPublished(long revision, CompletableFuture<?> published) {
        try {
            published.get(PUBLISH_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("revision {} stored; its snapshots are still being published after {}", revision, PUBLISH_WAIT);
        } catch (java.util.concurrent.ExecutionException e) {
            // Logged by publish(); the revision is stored and is served from the next restart or apply.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Run after each revision is published (the exporter picks up the new snapshots); must return quickly. */
    public void afterPublish(Runnable listener) {
        publishedListeners.add(listener);
    }

    private final java.util.List<Runnable> publishedListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private CompletableFuture<?> publish(long revision, SortedMap<String, GroupResources> groups) {
        return published(revision, xds.publish(revision, groups));
    }

    /** Tells the listeners (the exporter) of a publish that succeeded, logs one that failed. */
    private CompletableFuture<?> published(long revision, CompletableFuture<?> publishing) {
        return publishing.whenComplete((ok, error) -> {
            if (error == null) {
                publishedListeners.forEach(Runnable::run);
            }
            if (error != null) {
                LOG.error("publishing revision {} failed", revision, error);
            }
        });
    }
}
