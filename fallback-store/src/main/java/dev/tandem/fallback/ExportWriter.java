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
 *   <li>{@code <group>/revisions/<revision>.bundle} is created only if absent; bundles are immutable.</li>
 *   <li>{@code <group>/latest} is read with its entity tag and replaced only if this bundle is newer
 *       (epoch, then revision) and only if nobody replaced it since ({@code If-Match}); a writer that
 *       loses the race reads again and stops if the winner is newer.</li>
 *   <li>Bundles beyond the newest {@code keep} are deleted (never the one {@code latest} names).</li>
 * </ol>
 */
public final class ExportWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ExportWriter.class);
    private static final int MAX_POINTER_ATTEMPTS = 10;
    private static final Pattern BUNDLE = Pattern.compile(".*/revisions/(\\d+)\\.bundle");

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

    public Result export(ExportBundle bundle) throws StoreException {
        String key = ExportBundle.key(bundle.nodeGroup(), bundle.revision());
        byte[] sealed = Bundles.seal(bundle, signingKey, encryption);
        byte[] stored = sealed;
        if (!store.createIfAbsent(key, sealed)) {
            // Exported before (a retry, a restart, another writer): the stored object stays as it is.
            stored = store.read(key)
                    .orElseThrow(() -> new StoreException(
                            key + " in " + store.describe() + " was refused as existing but cannot be read"))
                    .content();
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

    /** The pointer as this writer's key reads it; an unreadable one (corrupt, another key) is replaced. */
    private Optional<LatestPointer> readOwn(byte[] content, String group, String what) {
        try {
            return Optional.of(LatestPointer.open(content, signingKey.getPublic(), group, what));
        } catch (BundleRejected e) {
            LOG.warn("export: replacing {} in {}: {}", what, store.describe(), e.getMessage());
            return Optional.empty();
        }
    }

    /** Deletes all but the newest {@code keep} bundles of the group; a failure here never fails the export. */
    private void retain(String group, String latestBundle) {
        try {
            List<long[]> revisions = new ArrayList<>();
            List<String> keys = store.list(group + "/revisions");
            for (String key : keys) {
                Matcher m = BUNDLE.matcher(key);
                if (m.matches()) {
                    revisions.add(new long[] {Long.parseLong(m.group(1)), keys.indexOf(key)});
                }
            }
            revisions.sort(Comparator.comparingLong((long[] r) -> r[0]).reversed());
            for (long[] old : revisions.subList(Math.min(keep, revisions.size()), revisions.size())) {
                String key = keys.get((int) old[1]);
                if (!key.equals(latestBundle)) {
                    store.delete(key);
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
}
