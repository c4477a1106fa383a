package dev.tandem.appliance.revisions;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.tandem.appliance.ErrorReference;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Revision;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.peers.EntryKinds;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.model.InvalidConfigException;
import dev.tandem.xds.serve.PublishFailedException;
import dev.tandem.xds.serve.XdsService;
import dev.tandem.xds.snapshot.GroupChanges;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.GroupResources;
import dev.tandem.xds.translate.Translator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path: validate → translate → store (with its audit entry, on disk) → publish. A config
 * that fails validation or translation is neither stored nor published. A stored revision is
 * published; if that fails, it stays stored (its number is never reused), the apply says so
 * ({@link ApplyResult#published()}), and the publish is retried with a capped backoff until it
 * succeeds or a newer revision replaces it ({@link #publication()}).
 *
 * <p>Applies are serialized (one writer), so revision numbers follow the order of publication; a
 * retry takes the same lock, so it never publishes a revision after a newer one. Thread-safe.
 */
public final class RevisionWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RevisionWriter.class);
    private static final Duration PUBLISH_WAIT = Duration.ofSeconds(10);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);

    /**
     * The newest stored revision and its parsed config: what the write path compares an apply with and
     * publishes. What data planes are served now is {@link XdsService#served()}; the two differ while a
     * publish is under way or failing ({@link #publication()}).
     */
    public record Latest(Revision revision, GatewayConfig config) {}

    /**
     * @param unchanged    the config equals the current revision's: no revision was created, nothing pushed
     * @param versions     per node group, the version of each type its data planes ACK once they have the
     *                     revision (what a deploy script waits for in the status)
     * @param published    the revision's snapshots are set for every node group
     * @param publishError why they are not (stored all the same, and retried); null when published
     */
    public record ApplyResult(
            long revision,
            boolean unchanged,
            List<String> nodeGroups,
            SortedMap<String, SortedMap<String, String>> versions,
            boolean published,
            String publishError) {}

    /** A write that stores a revision, as the audit log and the log name it. */
    private enum Change {
        APPLY("apply", "applied"),
        RESTORE("restore", "restored");

        final String action;
        final String done;

        Change(String action, String done) {
            this.action = action;
            this.done = done;
        }
    }

    /**
     * What an apply of a config would do ({@link #dryRun}).
     *
     * @param unchanged      the config equals the newest stored revision's: an apply would store nothing
     * @param servedRevision the newest revision data planes are served now; empty when nothing is
     * @param versions       per node group, the version of each type its data planes would ACK
     * @param changes        per node group, what would change for its data planes; groups with no
     *                       change are left out, so an empty map means nothing would change
     */
    public record DryRun(
            boolean unchanged,
            OptionalLong servedRevision,
            List<String> nodeGroups,
            SortedMap<String, SortedMap<String, String>> versions,
            SortedMap<String, GroupChanges> changes) {}

    private final RevisionStore store;
    private final AuditLog audit;
    private final XdsService xds;
    private final Clock clock;
    private final UnaryOperator<GroupResources> afterTranslation;
    private final Object writeLock = new Object();
    private final List<Consumer<SortedMap<String, GroupSnapshot>>> publishedListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-publish");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong publishFailures = new AtomicLong();
    private volatile Latest latest;
    private volatile Publication publication;
    /** The latest revision's snapshots, kept to retry a publish that failed. */
    @GuardedBy("writeLock")
    private SortedMap<String, GroupSnapshot> latestSnapshots = new TreeMap<>();

    /**
     * @param afterTranslation a test seam, applied to every group's resources after translation:
     *                         identity in production; tests use it to serve resources a real data
     *                         plane rejects.
     */
    public RevisionWriter(
            RevisionStore store,
            AuditLog audit,
            XdsService xds,
            Clock clock,
            UnaryOperator<GroupResources> afterTranslation) {
        this.store = store;
        this.audit = audit;
        this.xds = xds;
        this.clock = clock;
        this.afterTranslation = afterTranslation;
        this.publication = Publication.nothingStored(clock.instant());
    }

    /**
     * Serves the newest stored revision, or applies {@code initialConfig} as the first one when the
     * store has none. Completes when the first publish ends, in success or failure (a failure is
     * retried: {@link #publication()}).
     */
    public CompletableFuture<?> start(Optional<Path> initialConfig)
            throws SQLException, IOException, InvalidConfigException {
        Optional<Revision> stored = store.latest();
        if (stored.isPresent()) {
            Revision r = stored.get();
            GatewayConfig config;
            try {
                config = parseStored(r);
            } catch (InvalidConfigException e) {
                // Valid when applied: now the model got stricter, or a revision stored before secret files
                // were kept names a file gone from this host.
                throw new IllegalStateException(
                        "stored revision " + r.number() + " cannot be served: " + e.getMessage(), e);
            }
            LOG.info("serving stored revision {} (applied by {} at {})", r.number(), r.appliedBy(), r.appliedAt());
            synchronized (writeLock) {
                this.latest = new Latest(r, config);
                latestSnapshots = build(config, r.number());
                return publish(r.number(), 1);
            }
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

    /**
     * On a peer (ADR 0014 §3.5): serves committed revision {@code number}, which the log has put in
     * this node's tables. Runs on the publish thread, never the caller's (the peer machine's thread
     * must not wait for a write in progress). Nothing happens when this node already has it or a
     * newer one: on the active the write path publishes what it wrote itself.
     */
    public void follow(long number) {
        try {
            retries.execute(() -> {
                synchronized (writeLock) {
                    Latest now = latest;
                    if (now != null && now.revision().number() >= number) {
                        return;
                    }
                    try {
                        Revision revision = store.get(number)
                                .orElseThrow(() -> new IllegalStateException(
                                        "committed revision " + number + " is not in this node's store"));
                        GatewayConfig config = parseStored(revision);
                        latest = new Latest(revision, config);
                        latestSnapshots = build(config, number);
                        LOG.info(
                                "serving revision {} from the log (applied by {} at {})",
                                number,
                                revision.appliedBy(),
                                revision.appliedAt());
                        publish(number, 1);
                    } catch (SQLException | InvalidConfigException | RuntimeException e) {
                        String reference = ErrorReference.next();
                        publication = new Publication(
                                number,
                                false,
                                "revision " + number + " from the log could not be served (reference " + reference
                                        + ": the appliance log has the cause)",
                                1,
                                clock.instant());
                        LOG.error("revision {} from the log could not be served (reference {})", number, reference, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // Stopping.
        }
    }

    public Optional<Latest> latest() {
        return Optional.ofNullable(latest);
    }

    /** Whether the current revision is served, and if not, why and since when. */
    public Publication publication() {
        return publication;
    }

    /** Publish attempts that failed since start, all revisions. */
    public long publishFailures() {
        return publishFailures.get();
    }

    /**
     * Validates {@code yaml} and, if it differs from the current revision, stores it with its audit
     * entry (one transaction, on disk before this returns) and publishes it.
     *
     * @throws InvalidConfigException with every error of the file; nothing stored, nothing pushed
     */
    public ApplyResult apply(String yaml, String actor, String from) throws InvalidConfigException, SQLException {
        return apply(yaml, parse(yaml), actor, from);
    }

    /**
     * Parses and validates {@code yaml}, with its secret files read in (a renewed certificate file
     * makes an otherwise equal config differ): the CPU part of an apply, safe to run concurrently.
     *
     * @throws InvalidConfigException with every error of the file
     */
    public GatewayConfig parse(String yaml) throws InvalidConfigException {
        return SecretFiles.load(yaml);
    }

    /**
     * Parses a stored revision as it was applied: its Secrets' files from what the revision kept, not
     * from the host's files now (a revision stored before secret files were kept reads the host's).
     *
     * @throws InvalidConfigException when it no longer loads here (the model got stricter)
     */
    public GatewayConfig parseStored(Revision revision) throws InvalidConfigException, SQLException {
        Optional<SortedMap<String, String>> kept = store.secretFiles(revision.number());
        if (kept.isEmpty()) {
            LOG.warn(
                    "revision {} was stored before secret files were kept with revisions: its secret files are"
                            + " read from this host",
                    revision.number());
        }
        return SecretFiles.load(
                revision.documents(),
                kept.map(files -> SecretFiles.stored(files, revision.number())).orElse(SecretFiles.HOST));
    }

    /** {@link #apply(String, String, String)} of a config already {@link #parse parsed} from {@code yaml}. */
    public ApplyResult apply(String yaml, GatewayConfig config, String actor, String from) throws SQLException {
        String detail = config.documentCount() + " documents, node groups " + config.nodeGroups();
        return write(yaml, config, actor, from, Change.APPLY, detail);
    }

    /**
     * Applies stored revision {@code revision} again as the next revision, from the text it was stored
     * with (its private keys intact, which {@code GET /api/v1/revisions/N} redacts), audited as a
     * restore. Equal to the newest revision: nothing is stored ({@link ApplyResult#unchanged()}).
     *
     * @param config the revision {@link #parseStored parsed as stored}, its secret files as it kept them
     */
    public ApplyResult restore(Revision revision, GatewayConfig config, String actor, String from) throws SQLException {
        String detail = "revision " + revision.number() + " again, " + config.documentCount()
                + " documents, node groups " + config.nodeGroups();
        return write(revision.documents(), config, actor, from, Change.RESTORE, detail);
    }

    /**
     * What applying {@code config} would do, without storing or publishing anything: the versions its
     * snapshots would have and, per node group, what changes against what data planes are served now.
     * Translation runs as for an apply, so a config that would fail there fails here.
     */
    public DryRun dryRun(GatewayConfig config) {
        Latest before = latest;
        SortedMap<String, GroupSnapshot> served = xds.served();
        // No number is taken: versions are content hashes, the same whichever revision this becomes.
        long number = before == null ? 1 : before.revision().number() + 1;
        SortedMap<String, GroupSnapshot> built = build(config, number);
        OptionalLong servedRevision =
                served.values().stream().mapToLong(GroupSnapshot::revision).max();
        return new DryRun(
                before != null && before.config().equals(config),
                servedRevision,
                config.nodeGroups(),
                versions(built, config.nodeGroups()),
                GroupChanges.between(resources(served), resources(built)));
    }

    private ApplyResult write(
            String yaml, GatewayConfig config, String actor, String from, Change change, String detail)
            throws SQLException {
        synchronized (writeLock) {
            Latest before = latest;
            if (before != null && before.config().equals(config)) {
                LOG.info(
                        "{} by {} from {}: same config as revision {}, nothing to do",
                        change.action,
                        actor,
                        from,
                        before.revision().number());
                Publication now = publication;
                return new ApplyResult(
                        before.revision().number(),
                        true,
                        config.nodeGroups(),
                        versions(xds.served(), config.nodeGroups()),
                        now.published(),
                        now.error());
            }
            // Numbered by the log's slot, then translated, then stored, all in the slot: a translation
            // failure leaves no stored revision (and no log entry), and a snapshot is built once, as the
            // revision it is.
            List<SortedMap<String, GroupSnapshot>> builtHere = new ArrayList<>(1);
            Revision revision = audit.writes()
                    .write(
                            EntryKinds.REVISION,
                            (c, slot) -> {
                                builtHere.add(build(config, slot.revision()));
                                Revision stored = store.append(
                                        c, slot.revision(), yaml, config.documentCount(), actor, from, clock.instant());
                                store.keepSecretFiles(c, slot.revision(), SecretFiles.contents(config));
                                return stored;
                            },
                            r -> new AuditLog.Event(r.appliedAt(), actor, from, change.action, detail, r.number()));
            SortedMap<String, GroupSnapshot> built = builtHere.get(0);
            latest = new Latest(revision, config);
            latestSnapshots = built;
            LOG.info("revision {} {} by {} from {}: {}", revision.number(), change.done, actor, from, detail);
            awaitPublished(revision.number(), publish(revision.number(), 1));
            Publication outcome = publication;
            String publishError = outcome.published()
                    ? null
                    : outcome.failing()
                            ? outcome.error()
                            : "still being published after " + PUBLISH_WAIT.toSeconds()
                                    + " s; it goes on (GET /api/v1/status shows " + "when it is done)";
            return new ApplyResult(
                    revision.number(),
                    false,
                    config.nodeGroups(),
                    versions(built, config.nodeGroups()),
                    outcome.published(),
                    publishError);
        }
    }

    /**
     * Run after each publish with what is served since (the exporter picks up the new snapshots), also
     * after one that failed for some groups (the others are served); must return quickly.
     */
    public void afterPublish(Consumer<SortedMap<String, GroupSnapshot>> listener) {
        publishedListeners.add(listener);
    }

    /** Stops retrying. */
    @Override
    public void close() {
        retries.shutdownNow();
    }

    /** @param config with its secret files read in ({@link SecretFiles}) */
    private SortedMap<String, GroupSnapshot> build(GatewayConfig config, long revision) {
        SortedMap<String, GroupSnapshot> out = new TreeMap<>();
        Translator.translate(config)
                .forEach((group, resources) ->
                        out.put(group, GroupSnapshot.of(afterTranslation.apply(resources), revision)));
        return out;
    }

    /**
     * Publishes the current revision's snapshots (attempt {@code attempt}); the outcome updates
     * {@link #publication()} before the returned future completes. Caller holds writeLock.
     */
    private CompletableFuture<?> publish(long revision, int attempt) {
        Publication last = publication;
        publication = Publication.publishing(
                revision, attempt, last.revision() == revision ? last.error() : null, clock.instant());
        return xds.publish(revision, latestSnapshots)
                .whenComplete((served, error) -> published(revision, attempt, served, error));
    }

    private void published(long revision, int attempt, SortedMap<String, GroupSnapshot> served, Throwable error) {
        Latest now = latest;
        // A publish that ends after a newer revision's began (it took longer than an apply waits)
        // says nothing about the current one.
        boolean isCurrent = now != null && now.revision().number() == revision;
        if (error == null) {
            if (isCurrent) {
                publication = new Publication(revision, true, null, attempt, clock.instant());
            }
            if (attempt > 1) {
                LOG.info("revision {} published on attempt {}", revision, attempt);
            }
            publishedListeners.forEach(l -> l.accept(served));
            return;
        }
        publishFailures.incrementAndGet();
        if (!isCurrent) {
            LOG.error(
                    "publishing revision {} failed; revision {} replaces it",
                    revision,
                    now.revision().number(),
                    error);
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        // The status and the apply answer name the groups and a reference; the cause (which can hold
        // internals) is in the log under it.
        String reference = ErrorReference.next();
        String reason = "revision " + revision + " could not be published"
                + (cause instanceof PublishFailedException failed
                        ? " to node group(s) "
                                + failed.groups().stream()
                                        .map(g -> "'" + g + "'")
                                        .collect(Collectors.joining(", "))
                        : "")
                + " (reference " + reference + ": the appliance log has the cause)";
        Duration delay = retryDelay(attempt);
        publication = new Publication(revision, false, reason, attempt, clock.instant());
        LOG.error("{} (attempt {}); it stays stored and is published again in {}", reason, attempt, delay, cause);
        // The groups that did get it are exported now, not only once the others do.
        SortedMap<String, GroupSnapshot> partly =
                cause instanceof PublishFailedException failed ? failed.served() : xds.served();
        publishedListeners.forEach(l -> l.accept(partly));
        try {
            retries.schedule(() -> retry(revision, attempt + 1), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // Stopping: the next start publishes the stored revision again.
        }
    }

    private void retry(long revision, int attempt) {
        synchronized (writeLock) {
            Latest now = latest;
            // A newer revision publishes every group itself; an older one must never follow it.
            if (now == null || now.revision().number() != revision || publication.published()) {
                return;
            }
            publish(revision, attempt);
        }
    }

    /** 1 s, doubling, at most 30 s. */
    static Duration retryDelay(int attempt) {
        long millis = FIRST_RETRY.toMillis() << Math.min(attempt - 1, 10);
        return Duration.ofMillis(Math.min(millis, LAST_RETRY.toMillis()));
    }

    /**
     * An apply returns once its snapshots are set (so the status an operator reads next shows them),
     * or once they failed, or after {@link #PUBLISH_WAIT}: the publisher thread does the writing.
     */
    private static void awaitPublished(long revision, CompletableFuture<?> published) {
        try {
            published.get(PUBLISH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("revision {} stored; its snapshots are still being published after {}", revision, PUBLISH_WAIT);
        } catch (ExecutionException e) {
            // Recorded in the publication and retried by published().
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static SortedMap<String, GroupResources> resources(Map<String, GroupSnapshot> snapshots) {
        SortedMap<String, GroupResources> out = new TreeMap<>();
        snapshots.forEach((group, snapshot) -> out.put(group, snapshot.resources()));
        return out;
    }

    private static SortedMap<String, SortedMap<String, String>> versions(
            Map<String, GroupSnapshot> snapshots, List<String> nodeGroups) {
        SortedMap<String, SortedMap<String, String>> out = new TreeMap<>();
        for (String group : nodeGroups) {
            GroupSnapshot snapshot = snapshots.get(group);
            if (snapshot != null) {
                out.put(group, snapshot.versionsByType());
            }
        }
        return out;
    }
}
