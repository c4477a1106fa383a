package dev.tandem.appliance;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code <dataDir>/ports}: the ports a {@code tandem serve} process bound, written once it is ready
 * and removed when it stops. A config may say port 0 (any free port); a script, a test or the CLI
 * then learns the ports from this file instead of racing to pick a "free" port before the start.
 * Lines of {@code key=value} (Java properties, and {@code sed -n 's/^admin.port=//p'} reads them):
 * {@code pid}, {@code admin.port}, {@code xds.port}. Written atomically, so a reader sees all or nothing.
 *
 * @param pid the process that listens (a reader that started it can tell a file left by a killed one)
 */
public record ListeningPorts(long pid, int adminPort, int xdsPort) {

    private static final String FILE = "ports";

    public static Path file(Path dataDir) {
        return dataDir.resolve(FILE);
    }

    /** What is written in {@code dataDir}, or empty while no ready process wrote it. */
    public static Optional<ListeningPorts> read(Path dataDir) throws IOException {
        String text;
        try {
            text = Files.readString(file(dataDir));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Properties values = new Properties();
        try (Reader in = new StringReader(text)) {
            values.load(in);
        }
        try {
            return Optional.of(new ListeningPorts(
                    Long.parseLong(values.getProperty("pid")),
                    Integer.parseInt(values.getProperty("admin.port")),
                    Integer.parseInt(values.getProperty("xds.port"))));
        } catch (NumberFormatException e) {
            throw new IOException(file(dataDir) + " is not a ports file of tandem serve: " + text.strip());
        }
    }

    public void write(Path dataDir) throws IOException {
        Path temp = dataDir.resolve(FILE + ".tmp");
        Files.writeString(
                temp,
                "# tandem serve listens on these ports; removed when it stops\npid=" + pid + "\nadmin.port=" + adminPort
                        + "\nxds.port=" + xdsPort + "\n");
        Files.move(temp, file(dataDir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static void remove(Path dataDir) throws IOException {
        Files.deleteIfExists(file(dataDir));
    }
}
