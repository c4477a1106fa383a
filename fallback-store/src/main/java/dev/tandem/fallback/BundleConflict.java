package dev.tandem.fallback;

/**
 * A bundle's key is already bound to other content: another revision's config under the same
 * {@code (epoch, revision)}, or an object that is not a bundle this key signed. A bundle is never
 * replaced, so the export of that revision cannot go on until an operator has looked: keeping the
 * stored object silently would let data planes start from a config that was never served under it.
 */
public final class BundleConflict extends StoreException {

    private static final long serialVersionUID = 1L;

    public BundleConflict(String message) {
        super(message);
    }
}
