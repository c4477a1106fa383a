package dev.tandem.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.fallback.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What every fallback store must do, and the export layout on top of it: run against a folder and against S3. */
abstract class StoreContract {

    static final KeyPair KEY = TestKeys.ed25519();

    /** A fresh, empty store. */
    abstract FallbackStore store() throws Exception;

    static ExportBundle bundle(String group, long revision) {
        return bundle(group, 0, revision, "v" + revision);
    }

    static ExportBundle bundle(String group, long epoch, long revision, String version) {
        return new ExportBundle(
                group,
                revision,
                epoch,
                "tandem-1",
                Instant.now(),
                Map.of("listeners", version),
                ("{\"revision\": " + revision + ", \"version\": \"" + version + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aKeyThatHoldsOtherContentIsAConflictAndTheStoredBundleStays() throws Exception {
        try (FallbackStore store = store()) {
            ExportWriter writer = new ExportWriter(store, KEY, Optional.empty(), 10);
            assertThat(writer.export(bundle("edge", 0, 1, "a")).outcome()).isEqualTo(ExportWriter.Outcome.EXPORTED);
            byte[] stored =
                    store.read("edge/revisions/0-1.bundle").orElseThrow().content();
            // The same bundle again (a retry, another peer, a later time): the stored one is it.
            assertThat(writer.export(bundle("edge", 0, 1, "a")).outcome()).isEqualTo(ExportWriter.Outcome.SUPERSEDED);

            // Other content as the same (epoch, revision): refused, never kept silently, never replaced.
            assertThatThrownBy(() -> writer.export(bundle("edge", 0, 1, "b")))
                    .isInstanceOf(BundleConflict.class)
                    .hasMessageStartingWith("bundle-conflict: edge/revisions/0-1.bundle in ")
                    .hasMessageContaining("exists with other content (versions {listeners=a}")
                    .hasMessageContaining("not versions {listeners=b}");
            assertThat(store.read("edge/revisions/0-1.bundle").orElseThrow().content())
                    .isEqualTo(stored);
            ExportBundle latest = new ExportReader(store, KEY.getPublic(), Optional.empty()).latest("edge");
            assertThat(latest.versions()).containsEntry("listeners", "a");

            // Something that is not this exporter's bundle under the next key: refused as well.
            store.createIfAbsent("edge/revisions/0-2.bundle", bytes("not a bundle"));
            assertThatThrownBy(() -> writer.export(bundle("edge", 0, 2, "c")))
                    .isInstanceOf(BundleConflict.class)
                    .hasMessageContaining("exists and is not a bundle of this exporter");
            assertThat(new ExportReader(store, KEY.getPublic(), Optional.empty())
                            .latest("edge")
                            .revision())
                    .isEqualTo(1);
        }
    }

    @Test
    void aNewEpochMovesLatestOnAndRetentionOrdersByEpochThenRevisionOldKeysIncluded() throws Exception {
        try (FallbackStore store = store()) {
            // A bundle written before the epoch was in the key: epoch 0 to retention.
            ExportWriter seal = new ExportWriter(store, KEY, Optional.empty(), 10);
            seal.export(bundle("edge", 0, 2, "old"));
            byte[] legacy =
                    store.read("edge/revisions/0-2.bundle").orElseThrow().content();
            store.delete("edge/revisions/0-2.bundle");
            store.createIfAbsent("edge/revisions/2.bundle", legacy);

            ExportWriter writer = new ExportWriter(store, KEY, Optional.empty(), 2);
            writer.export(bundle("edge", 0, 4, "d"));
            writer.export(bundle("edge", 0, 5, "e"));
            // The same revision number at a higher epoch (a new active exports what it serves): a key
            // of its own, and latest moves on to it.
            ExportWriter.Result next = writer.export(bundle("edge", 1, 5, "e"));
            assertThat(next.outcome()).isEqualTo(ExportWriter.Outcome.EXPORTED);
            assertThat(next.latest().epoch()).isEqualTo(1);
            assertThat(store.list("edge/revisions"))
                    .containsExactlyInAnyOrder("edge/revisions/0-5.bundle", "edge/revisions/1-5.bundle");
            // A late bundle of the older epoch never moves latest back.
            assertThat(writer.export(bundle("edge", 0, 6, "f")).outcome()).isEqualTo(ExportWriter.Outcome.SUPERSEDED);
            ExportBundle latest = new ExportReader(store, KEY.getPublic(), Optional.empty()).latest("edge");
            assertThat(latest.epoch()).isEqualTo(1);
            assertThat(latest.revision()).isEqualTo(5);
        }
    }

    @Test
    void anObjectIsCreatedOnceAndReplacedOnlyFromTheVersionRead() throws Exception {
        try (FallbackStore store = store()) {
            assertThat(store.createIfAbsent("g/revisions/1.bundle", bytes("one")))
                    .isTrue();
            assertThat(store.createIfAbsent("g/revisions/1.bundle", bytes("other")))
                    .isFalse();
            assertThat(text(store.read("g/revisions/1.bundle").orElseThrow().content()))
                    .isEqualTo("one");
            assertThat(store.read("g/missing")).isEmpty();

            assertThat(store.replaceIf("g/latest", bytes("a"), Optional.empty()))
                    .isTrue();
            assertThat(store.replaceIf("g/latest", bytes("b"), Optional.empty()))
                    .isFalse();
            String etag = store.read("g/latest").orElseThrow().etag();
            assertThat(store.replaceIf("g/latest", bytes("b"), Optional.of(etag)))
                    .isTrue();
            assertThat(store.replaceIf("g/latest", bytes("c"), Optional.of(etag)))
                    .isFalse();
            assertThat(text(store.read("g/latest").orElseThrow().content())).isEqualTo("b");

            assertThat(store.list("g/revisions")).containsExactly("g/revisions/1.bundle");
            store.delete("g/revisions/1.bundle");
            assertThat(store.list("g/revisions")).isEmpty();
        }
    }

    @Test
    void latestNeverMovesBackAndOldBundlesAreDeleted() throws Exception {
        try (FallbackStore store = store()) {
            ExportWriter writer = new ExportWriter(store, KEY, Optional.empty(), 3);
            for (long revision = 1; revision <= 5; revision++) {
                assertThat(writer.export(bundle("edge", revision)).outcome()).isEqualTo(ExportWriter.Outcome.EXPORTED);
            }
            // A stale writer (revision 4 again, or 2) changes nothing.
            ExportWriter.Result stale = writer.export(bundle("edge", 4));
            assertThat(stale.outcome()).isEqualTo(ExportWriter.Outcome.SUPERSEDED);
            assertThat(stale.latest().revision()).isEqualTo(5);
            assertThat(store.list("edge/revisions"))
                    .containsExactlyInAnyOrder(
                            "edge/revisions/0-3.bundle", "edge/revisions/0-4.bundle", "edge/revisions/0-5.bundle");
            ExportBundle read = new ExportReader(store, KEY.getPublic(), Optional.empty()).latest("edge");
            assertThat(read.revision()).isEqualTo(5);
            assertThat(text(read.payload())).isEqualTo("{\"revision\": 5, \"version\": \"v5\"}");
        }
    }

    @Test
    void twoWritersRacingOnLatestTheHigherRevisionWinsAndItNeverRegresses() throws Exception {
        try (FallbackStore store = store()) {
            ExportWriter a = new ExportWriter(store, KEY, Optional.empty(), 100);
            ExportWriter b = new ExportWriter(store, KEY, Optional.empty(), 100);
            ExportReader reader = new ExportReader(store, KEY.getPublic(), Optional.empty());
            ExecutorService pool = Executors.newFixedThreadPool(3);
            CountDownLatch go = new CountDownLatch(1);
            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
            try {
                // Each writer exports every revision, in opposite orders: every step is a race.
                Future<?> up = pool.submit(() -> {
                    go.await();
                    for (long r = 1; r <= 20; r++) {
                        a.export(bundle("edge", r));
                    }
                    return null;
                });
                Future<?> down = pool.submit(() -> {
                    go.await();
                    for (long r = 20; r >= 1; r--) {
                        b.export(bundle("edge", r));
                    }
                    return null;
                });
                Future<?> watcher = pool.submit(() -> {
                    go.await();
                    while (running.get()) {
                        try {
                            seen.add(reader.latest("edge").revision());
                        } catch (ExportReader.NoExport notYet) {
                            // nothing exported yet
                        }
                    }
                    return null;
                });
                go.countDown();
                up.get(60, TimeUnit.SECONDS);
                down.get(60, TimeUnit.SECONDS);
                running.set(false);
                watcher.get(10, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(reader.latest("edge").revision()).isEqualTo(20);
            List<Long> observed = List.copyOf(seen);
            for (int i = 1; i < observed.size(); i++) {
                assertThat(observed.get(i))
                        .as("latest moved back after %s", observed.subList(0, i))
                        .isGreaterThanOrEqualTo(observed.get(i - 1));
            }
        }
    }

    @Test
    void aBundleSwappedForAnotherIsRefused() throws Exception {
        try (FallbackStore store = store()) {
            ExportWriter writer = new ExportWriter(store, KEY, Optional.empty(), 10);
            writer.export(bundle("edge", 1));
            writer.export(bundle("edge", 2));
            // Someone with write access puts revision 1's (validly signed) bundle where revision 2's was.
            byte[] old = store.read("edge/revisions/0-1.bundle").orElseThrow().content();
            store.delete("edge/revisions/0-2.bundle");
            store.createIfAbsent("edge/revisions/0-2.bundle", old);
            assertThatThrownBy(() -> new ExportReader(store, KEY.getPublic(), Optional.empty()).latest("edge"))
                    .isInstanceOf(BundleRejected.class)
                    .hasMessageContaining("it was replaced");
            assertThatThrownBy(() -> new ExportReader(store, KEY.getPublic(), Optional.empty()).latest("mesh"))
                    .isInstanceOf(ExportReader.NoExport.class)
                    .hasMessageContaining("no export of node group 'mesh'");
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
