package dev.tandem.fallback;

import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a node group's bundle and moves its {@code latest} pointer forward, never back:
 * <ol>
 *   <li>{@code <group>/revisions/<epoch>-<revision>.bundle} is created only if absent; bundles are
 *       immutable, and a key that holds other content is an error ({@link BundleConflict}).</li>
 *   <li>{@code <group>/latest} is read with its entity tag and replaced only if this bundle is newer
 *       (epoch, then revision) and only if nobody replaced it since ({@code If-Match}); a writer that
 *       loses the race reads again and stops if the winner is newer.</li>
 *   <li>Bundles beyond the newest {@code keep} are deleted (never the one {@code latest} names).</li>
 * </ol>
 */
public final class ExportWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ExportWriter.class);
    private static final int MAX_POINTER_ATTEMPTS = 10;
    private static final Pattern BUNDLE = Pattern.compile(".*/revisions/(?:(\\d+)-)?(\\d+)\\.bundle");
    private static final Comparator<StoredBundle> NEWEST_FIRST = Comparator.comparingLong(StoredBundle::epoch)
            .thenComparingLong(StoredBundle::revision)
            .reversed();

    /** What became of an export. */
    public enum Outcome {
        /** {@code latest} now names this revision. */
        EXPORTED,
        /** {@code latest} already named this revision or a newer one: nothing moved. */
        SUPERSEDED
    }

    /** The outcome and the pointer as it is in the store afterwards. */
    public record Result(Outcome outcome, LatestPointer latest) {}

    private final FallbackStore store;
    private final KeyPair signingKey;
    private final Optional<EncryptionKey> encryption;
    private final int keep;

    public ExportWriter(FallbackStore store, KeyPair signingKey, Optional<EncryptionKey> encryption, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1");
        }
        this.store = store;
        this.signingKey = signingKey;
        this.encryption = encryption;
        this.keep = keep;
    }

    /**
     * @throws BundleConflict when the bundle's key holds other content (never replaced, never kept
     *     silently)
     */
    public Result export(ExportBundle bundle) throws StoreException {
        String key = ExportBundle.key(bundle.nodeGroup(), bundle.epoch(), bundle.revision());
        byte[] sealed = Bundles.seal(bundle, signingKey, encryption);
        byte[] stored = sealed;
        if (!store.createIfAbsent(key, sealed)) {
            // Exported before (a retry, a restart, another writer): kept only if it is this very bundle.
            stored = store.read(key)
                    .orElseThrow(() -> new StoreException(
                            key + " in " + store.describe() + " was refused as existing but cannot be read"))
                    .content();
            requireSame(key, stored, bundle);
        }
        LatestPointer mine = new LatestPointer(
                bundle.nodeGroup(), bundle.revision(), bundle.epoch(), key, DirectoryStore.etag(stored));
        String latestKey = LatestPointer.key(bundle.nodeGroup());
        for (int attempt = 0; attempt < MAX_POINTER_ATTEMPTS; attempt++) {
            Optional<FallbackStore.StoredObject> current = store.read(latestKey);
            if (current.isPresent()) {
                Optional<LatestPointer> theirs = readOwn(current.get().content(), bundle.nodeGroup(), latestKey);
                if (theirs.isPresent() && !mine.isNewerThan(theirs.get())) {
                    return new Result(Outcome.SUPERSEDED, theirs.get());
                }
            }
            if (store.replaceIf(latestKey, mine.seal(signingKey), current.map(FallbackStore.StoredObject::etag))) {
                retain(bundle.nodeGroup(), key);
                return new Result(Outcome.EXPORTED, mine);
            }
        }
        throw new StoreException(latestKey + " in " + store.describe() + " kept changing under this writer ("
                + MAX_POINTER_ATTEMPTS + " attempts); another writer is exporting the same node group");
    }

    /**
     * The stored object under {@code key} must be {@code bundle} as this writer sealed it before: its
     * bytes differ from a new seal (signatures and nonces are random), so it is opened and compared.
     */
    private void requireSame(String key, byte[] stored, ExportBundle bundle) throws BundleConflict {
        String where = key + " in " + store.describe();
        ExportBundle theirs;
        try {
            theirs = Bundles.open(stored, signingKey.getPublic(), encryption, bundle.nodeGroup(), where);
        } catch (BundleRejected e) {
            throw new BundleConflict("bundle-conflict: " + where + " exists and is not a bundle of this"
                    + " exporter (" + e.getMessage() + "); a bundle is never replaced: move it aside to export"
                    + " revision " + bundle.revision() + " again");
        }
        if (!theirs.sameContentAs(bundle)) {
            throw new BundleConflict("bundle-conflict: " + where + " exists with other content (versions "
                    + theirs.versions() + ", exported by " + theirs.applianceId() + " at " + theirs.createdAt()
                    + ", not versions " + bundle.versions() + "); a bundle is never replaced: two configs were"
                    + " exported as epoch " + bundle.epoch() + " revision " + bundle.revision());
        }
    }

    /** The pointer as this writer's key reads it; an unreadable one (corrupt, another key) is replaced. */
    private Optional<LatestPointer> readOwn(byte[] content, String group, String what) {
        try {
            return Optional.of(LatestPointer.open(content, signingKey.getPublic(), group, what));
        } catch (BundleRejected e) {
            LOG.warn("export: replacing {} in {}: {}", what, store.describe(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Deletes all but the newest {@code keep} bundles of the group, by (epoch, revision); a bundle
     * key without an epoch (written before it was in the key) is epoch 0. A failure here never fails
     * the export.
     */
    private void retain(String group, String latestBundle) {
        try {
            List<StoredBundle> bundles = new ArrayList<>();
            for (String key : store.list(group + "/revisions")) {
                Matcher m = BUNDLE.matcher(key);
                if (m.matches()) {
                    long epoch = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
                    bundles.add(new StoredBundle(key, epoch, Long.parseLong(m.group(2))));
                }
            }
            bundles.sort(NEWEST_FIRST);
            for (StoredBundle old : bundles.subList(Math.min(keep, bundles.size()), bundles.size())) {
                if (!old.key().equals(latestBundle)) {
                    store.delete(old.key());
                }
            }
        } catch (StoreException | RuntimeException e) {
            LOG.warn(
                    "export: could not delete old bundles of node group '{}' in {}: {}",
                    group,
                    store.describe(),
                    e.getMessage());
        }
    }

    /** A bundle found in the store by its key. */
    private record StoredBundle(String key, long epoch, long revision) {}
}
