package dev.tandem.appliance.export;

import dev.tandem.fallback.BundleConflict;
import dev.tandem.fallback.ExportBundle;
import dev.tandem.fallback.ExportWriter;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.snapshot.ResourcesDocument;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports each published revision of every node group to the fallback store, on its own thread: an
 * apply never waits for the store and never fails because of it. While the store is down, slow or
 * refusing, exports are retried with capped exponential backoff (1 s doubling to 60 s, with jitter);
 * only the newest revision of each group is exported when it answers again (intermediate ones may
 * be skipped), and {@code latest} never moves back ({@link ExportWriter}). Rounds are at least
 * {@link #SPACING} apart: of revisions applied within that time, the newest is exported.
 */
public final class Exporter implements AutoCloseable {

    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(60);
    /**
     * Time between two export rounds: applies in a burst (endpoint churn: several a second) export only
     * the newest revision, instead of spending a core on bundles that are replaced at once (measured by
     * {@code tandem bench --churn}: the exporter was the target's busiest thread). {@code tandem export}
     * does not wait for it.
     */
    static final Duration SPACING = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);

    /** One group's export, as the status and metrics show it. */
    public record GroupStatus(
            long revision, long exportedRevision, Instant exportedAt, String lastError, Instant lastErrorAt) {

        /** Revisions published but not yet exported. */
        public long lag() {
            return Math.max(0, revision - exportedRevision);
        }
    }

    private final ExportWriter writer;
    private final String applianceId;
    private final String storeDescription;
    private final Clock clock;
    private final Thread worker;
    private final Object lock = new Object();
    private final SortedMap<String, GroupSnapshot> wanted = new TreeMap<>();
    private final SortedMap<String, GroupStatus> status = new TreeMap<>();
    private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private int failures;
    private Instant nextAttempt = Instant.MIN;
    private long exportFailures;
    /** Exports refused because the bundle's key held other content (never replaced, never kept). */
    private long conflicts;

    private boolean closed;
    /** The epoch bundles are stamped with while this node writes; -1 while it does not (a standby never exports). */
    private long epoch = -1;

    public Exporter(ExportWriter writer, String applianceId, String storeDescription, Clock clock) {
        this.writer = writer;
        this.applianceId = applianceId;
        this.storeDescription = storeDescription;
        this.clock = clock;
        this.worker = new Thread(this::run, "tandem-export");
        worker.setDaemon(true);
        worker.start();
    }

    /** The newest snapshots of every group; what is newer than what was exported is exported next. */
    public void offer(SortedMap<String, GroupSnapshot> published) {
        synchronized (lock) {
            published.forEach((group, snapshot) -> {
                GroupSnapshot before = wanted.get(group);
                if (before == null || snapshot.revision() > before.revision()) {
                    wanted.put(group, snapshot);
                    GroupStatus s = status.get(group);
                    status.put(
                            group,
                            s == null
                                    ? new GroupStatus(snapshot.revision(), 0, null, null, null)
                                    : new GroupStatus(
                                            snapshot.revision(),
                                            s.exportedRevision(),
                                            s.exportedAt(),
                                            s.lastError(),
                                            s.lastErrorAt()));
                }
            });
            lock.notifyAll();
        }
    }

    /**
     * Exports from now on, stamping bundles with {@code epoch} (ADR 0014 §3.9: the peer epoch, so
     * {@code latest} never moves back after a change of active). What was offered before is exported
     * again at this epoch.
     */
    public void start(long newEpoch) {
        synchronized (lock) {
            if (newEpoch != epoch) {
                epoch = newEpoch;
                status.replaceAll((group, s) -> new GroupStatus(s.revision(), 0, null, null, null));
                nextAttempt = Instant.MIN;
                LOG.info("export: exporting to {} at epoch {}", storeDescription, newEpoch);
                lock.notifyAll();
            }
        }
    }

    /** Stops exporting: this node no longer writes (the active exports). */
    public void stop() {
        synchronized (lock) {
            if (epoch >= 0) {
                LOG.info("export: stopped (epoch {}): this node no longer writes, the active exports", epoch);
            }
            epoch = -1;
        }
    }

    /** Whether this node exports now (it is the writer). */
    public boolean running() {
        synchronized (lock) {
            return epoch >= 0;
        }
    }

    /**
     * Tries now, whatever the backoff says ({@code tandem export}); completes after that attempt, or at
     * once with {@link IllegalStateException} on a node that does not export (a standby).
     */
    public CompletableFuture<Void> exportNow() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (epoch < 0) {
                done.completeExceptionally(new IllegalStateException(
                        "this node does not export now: only the active writes the export store"));
                return done;
            }
            waiting.add(done);
            nextAttempt = Instant.MIN;
            lock.notifyAll();
        }
        return done;
    }

    public SortedMap<String, GroupStatus> status() {
        synchronized (lock) {
            return new TreeMap<>(status);
        }
    }

    /** Exports refused since start because a bundle's key held other content, all node groups. */
    public long conflicts() {
        synchronized (lock) {
            return conflicts;
        }
    }

    /** Attempts that failed since start, all groups. */
    public long failures() {
        synchronized (lock) {
            return exportFailures;
        }
    }

    public String storeDescription() {
        return storeDescription;
    }

    private void run() {
        while (true) {
            Map<String, GroupSnapshot> due;
            List<CompletableFuture<Void>> answered;
            long stamp;
            synchronized (lock) {
                while (!closed
                        && (epoch < 0 || pending().isEmpty() || clock.instant().isBefore(nextAttempt))
                        && (epoch < 0 || waiting.isEmpty())) {
                    try {
                        long wait = epoch < 0 || pending().isEmpty()
                                ? 0
                                : Math.max(
                                        1,
                                        Duration.between(clock.instant(), nextAttempt)
                                                .toMillis());
                        lock.wait(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    waiting.forEach(f -> f.complete(null));
                    return;
                }
                due = pending();
                stamp = epoch;
                answered = new ArrayList<>(waiting);
                waiting.clear();
            }
            boolean failed = false;
            for (Map.Entry<String, GroupSnapshot> entry : due.entrySet()) {
                failed |= !export(entry.getKey(), entry.getValue(), stamp);
            }
            synchronized (lock) {
                if (failed) {
                    failures++;
                    long base = Math.min(MAX_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(failures - 1, 16));
                    long jittered = (long)
                            (base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
                    nextAttempt = clock.instant().plusMillis(jittered);
                } else {
                    failures = 0;
                    nextAttempt = due.isEmpty() ? Instant.MIN : clock.instant().plus(SPACING);
                }
            }
            answered.forEach(f -> f.complete(null));
        }
    }

    /** Groups whose wanted revision is newer than the exported one. */
    private Map<String, GroupSnapshot> pending() {
        Map<String, GroupSnapshot> out = new TreeMap<>();
        wanted.forEach((group, snapshot) -> {
            GroupStatus s = status.get(group);
            if (s == null || s.exportedRevision() < snapshot.revision()) {
                out.put(group, snapshot);
            }
        });
        return out;
    }

    private boolean export(String group, GroupSnapshot snapshot, long stamp) {
        Instant now = clock.instant();
        ExportBundle bundle = new ExportBundle(
                group,
                snapshot.revision(),
                stamp,
                applianceId,
                now,
                snapshot.versionsByType(),
                ResourcesDocument.write(snapshot.resources()));
        try {
            ExportWriter.Result result = writer.export(bundle);
            synchronized (lock) {
                GroupStatus s = status.get(group);
                status.put(group, new GroupStatus(s.revision(), snapshot.revision(), now, null, s.lastErrorAt()));
            }
            if (result.outcome() == ExportWriter.Outcome.EXPORTED) {
                LOG.info(
                        "export: node group '{}' revision {} exported to {}",
                        group,
                        snapshot.revision(),
                        storeDescription);
            } else {
                LOG.info(
                        "export: node group '{}' revision {}: {} already holds revision {}",
                        group,
                        snapshot.revision(),
                        storeDescription,
                        result.latest().revision());
            }
            return true;
        } catch (IOException | RuntimeException e) {
            String error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            boolean first;
            synchronized (lock) {
                exportFailures++;
                if (e instanceof BundleConflict) {
                    conflicts++;
                }
                GroupStatus s = status.get(group);
                first = s.lastError() == null;
                status.put(group, new GroupStatus(s.revision(), s.exportedRevision(), s.exportedAt(), error, now));
            }
            // Said when it starts failing, then once per backoff step at most (not on every retry of every group).
            if (first || failures < 3 || failures % 5 == 0) {
                LOG.warn(
                        "export: node group '{}' revision {} not exported yet (applies go on; retrying with backoff): {}",
                        group,
                        snapshot.revision(),
                        error);
            }
            return false;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
