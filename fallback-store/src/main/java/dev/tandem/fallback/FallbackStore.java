package dev.tandem.fallback;

import java.util.List;
import java.util.Optional;

/**
 * Where exports live: an S3-compatible bucket ({@link S3Store}) or a local folder
 * ({@link DirectoryStore}). Keys are relative ({@code <group>/revisions/12.bundle}); the store adds
 * its prefix. The two conditional writes are what keep exports safe with several writers: an
 * immutable object is created once, and a pointer moves only from the version its writer read.
 */
public interface FallbackStore extends AutoCloseable {

    /** An object's bytes and its entity tag (what a conditional replace names). */
    record StoredObject(byte[] content, String etag) {}

    /** Creates {@code key} unless it exists ({@code If-None-Match: *}); false when it existed. */
    boolean createIfAbsent(String key, byte[] content) throws StoreException;

    /** The object, or empty when there is none. */
    Optional<StoredObject> read(String key) throws StoreException;

    /**
     * Replaces {@code key} only if its entity tag is still {@code expectedEtag} ({@code If-Match}), or
     * creates it only if absent when {@code expectedEtag} is empty; false when another writer got there first.
     */
    boolean replaceIf(String key, byte[] content, Optional<String> expectedEtag) throws StoreException;

    /** Keys under {@code prefix} (relative, like the keys given). */
    List<String> list(String prefix) throws StoreException;

    void delete(String key) throws StoreException;

    /** Where this store is, for messages: {@code s3://bucket/prefix at https://...} or a folder. */
    String describe();

    @Override
    default void close() {}
}
