package dev.tandem.appliance.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/**
 * Files that must survive a power loss whole or not at all (keys, certificates, the initial admin
 * token): written to a temporary file beside the target, fsynced, renamed over it (atomic on one file
 * system), and the folder fsynced so that the new name is on disk too. A crash leaves the old file or
 * the new one, never a torn or empty one.
 */
public final class DurableFiles {

    private DurableFiles() {}

    /**
     * Writes {@code content} to {@code file} with {@code permissions}.
     *
     * @param replace whether an existing file may be replaced; if not, an existing one is refused
     *                ({@link java.nio.file.FileAlreadyExistsException}), atomically
     */
    public static void write(Path file, byte[] content, Set<PosixFilePermission> permissions, boolean replace)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temporary = dir.resolve("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(permissions));
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            if (replace) {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // A hard link is made only where no file is: what is there already is never replaced.
                Files.createLink(file, temporary);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
        syncDirectory(dir);
    }

    /** Owner read/write only (0600): private keys and tokens. */
    public static Set<PosixFilePermission> ownerOnly() {
        return PosixFilePermissions.fromString("rw-------");
    }

    /** Readable by all (0644): certificates and public keys. */
    public static Set<PosixFilePermission> readable() {
        return PosixFilePermissions.fromString("rw-r--r--");
    }

    /** fsync of a folder: what makes a file created or renamed in it survive a power loss. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
