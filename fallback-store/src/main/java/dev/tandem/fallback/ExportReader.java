package dev.tandem.fallback;

import java.security.PublicKey;
import java.util.Optional;

/**
 * What a new data plane does during a total outage: reads {@code <group>/latest}, checks its
 * signature, fetches the bundle it names, checks that its SHA-256 is the one the pointer signed, and
 * opens it ({@link Bundles#open}). Any doubt is a refusal that names the object and the reason.
 */
public final class ExportReader {

    /** The store holds no export for the group. */
    public static final class NoExport extends StoreException {
        private static final long serialVersionUID = 1L;

        NoExport(String message) {
            super(message);
        }
    }

    private final FallbackStore store;
    private final PublicKey trusted;
    private final Optional<EncryptionKey> decryption;

    public ExportReader(FallbackStore store, PublicKey trusted, Optional<EncryptionKey> decryption) {
        this.store = store;
        this.trusted = trusted;
        this.decryption = decryption;
    }

    /** A verified bundle and the bytes it was read from, as stored (for a data plane to cache). */
    public record Verified(ExportBundle bundle, byte[] stored) {}

    public ExportBundle latest(String nodeGroup) throws StoreException, BundleRejected {
        return latestVerified(nodeGroup).bundle();
    }

    /** The bundle {@code latest} names, verified, with the very bytes that were verified. */
    public Verified latestVerified(String nodeGroup) throws StoreException, BundleRejected {
        String latestKey = LatestPointer.key(nodeGroup);
        FallbackStore.StoredObject latest = store.read(latestKey)
                .orElseThrow(() -> new NoExport("no export of node group '" + nodeGroup + "' in " + store.describe()
                        + " (" + latestKey + " does not exist)"));
        LatestPointer pointer =
                LatestPointer.open(latest.content(), trusted, nodeGroup, latestKey + " in " + store.describe());
        String what = pointer.bundleKey() + " in " + store.describe();
        FallbackStore.StoredObject bundle = store.read(pointer.bundleKey())
                .orElseThrow(() -> new NoExport(
                        latestKey + " names " + pointer.bundleKey() + ", which does not exist in " + store.describe()));
        // The bundle's own signature first: it says precisely what is wrong with a damaged object.
        ExportBundle opened = Bundles.open(bundle.content(), trusted, decryption, nodeGroup, what);
        if (!DirectoryStore.etag(bundle.content()).equals(pointer.bundleSha256())) {
            throw new BundleRejected(
                    "tampered",
                    what + " is signed, but it is not the bundle " + latestKey + " names (SHA-256 "
                            + DirectoryStore.etag(bundle.content()) + ", expected " + pointer.bundleSha256()
                            + "); it was replaced");
        }
        if (opened.revision() != pointer.revision()) {
            throw new BundleRejected(
                    "wrong-revision",
                    what + " holds revision " + opened.revision() + ", but " + latestKey + " names revision "
                            + pointer.revision());
        }
        return new Verified(opened, bundle.content());
    }
}
