package dev.tandem.appliance.cli;

import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.xds.bootstrap.XdsClientTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;

/**
 * Writes a data plane's certificate files ({@link XdsClientTls}) so that a reader never sees half of
 * them: each file is written beside its place and renamed over it, the key first (0600). Envoy
 * watches the folder and reloads after the renames.
 */
final class CertificateFiles {

    private CertificateFiles() {}

    static void replace(Path dir, String certificatePem, PrivateKey key, String caPem) throws IOException {
        Files.createDirectories(dir);
        XdsClientTls files = XdsClientTls.in(dir);
        Path keyTemp = dir.resolve(".client.key.new");
        Files.deleteIfExists(keyTemp);
        PemFiles.writePrivate(keyTemp, key);
        write(dir, Path.of(files.caFile()), caPem);
        Files.move(
                keyTemp,
                Path.of(files.privateKeyFile()),
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        write(dir, Path.of(files.certificateFile()), certificatePem);
    }

    private static void write(Path dir, Path target, String pem) throws IOException {
        Path temp = dir.resolve("." + target.getFileName() + ".new");
        Files.writeString(temp, pem);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
