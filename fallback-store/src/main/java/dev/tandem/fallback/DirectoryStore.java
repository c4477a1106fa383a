package dev.tandem.fallback;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Stream;

/**
 * A local folder as a fallback store: the embedded default, for one host or a shared mount. Objects
 * are files; the entity tag is the content's SHA-256. A create is a hard link (it fails if the name
 * exists, atomically); a conditional replace holds a lock file while it compares and renames, so
 * writers in other processes cannot interleave.
 */
public final class DirectoryStore implements FallbackStore {

    /** One lock per folder within this JVM: file locks exclude other processes, not other threads. */
    private static final ConcurrentMap<Path, Object> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path root;

    public DirectoryStore(Path root) throws StoreException {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new StoreException("cannot create the export folder " + this.root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean createIfAbsent(String key, byte[] content) throws StoreException {
        Path target = file(key);
        try {
            Files.createDirectories(target.getParent());
            Path temp = temp(target);
            Files.write(temp, content);
            try {
                Files.createLink(target, temp);
                return true;
            } catch (FileAlreadyExistsException exists) {
                return false;
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new StoreException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<StoredObject> read(String key) throws StoreException {
        Path file = file(key);
        try {
            byte[] content = Files.readAllBytes(file);
            return Optional.of(new StoredObject(content, etag(content)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean replaceIf(String key, byte[] content, Optional<String> expectedEtag) throws StoreException {
        Path target = file(key);
        try {
            Files.createDirectories(target.getParent());
            synchronized (IN_PROCESS.computeIfAbsent(root, r -> new Object())) {
                try (FileChannel lockFile = FileChannel.open(
                                root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock lock = lockFile.lock()) {
                    Optional<StoredObject> current = read(key);
                    boolean matches = expectedEtag.isEmpty()
                            ? current.isEmpty()
                            : current.isPresent() && current.get().etag().equals(expectedEtag.get());
                    if (!matches) {
                        return false;
                    }
                    Path temp = temp(target);
                    Files.write(temp, content);
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    return true;
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list(String prefix) throws StoreException {
        Path dir = file(prefix);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<String> keys = new ArrayList<>();
            files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .forEach(f -> keys.add(root.relativize(f).toString().replace('\\', '/')));
            keys.sort(null);
            return keys;
        } catch (IOException e) {
            throw new StoreException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String key) throws StoreException {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            throw new StoreException("cannot delete " + file(key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "folder " + root;
    }

    private Path file(String key) throws StoreException {
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root)) {
            throw new StoreException("key '" + key + "' leaves the export folder " + root);
        }
        return file;
    }

    private static Path temp(Path target) {
        return target.resolveSibling("." + target.getFileName() + "."
                + ProcessHandle.current().pid() + "." + Thread.currentThread().threadId() + ".tmp");
    }

    static String etag(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
