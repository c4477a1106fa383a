package dev.tandem.appliance.testing;

import dev.tandem.appliance.ListeningPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code tandem serve} as its own process (the packaged jar), on ports its servers choose: they are
 * read from {@code <dataDir>/ports}, which the appliance writes once it is ready (a file left by a
 * killed process names another pid), so no port is picked before it is bound. {@link #kill9()} ends
 * it as a crash or a power cut would (SIGKILL: no shutdown hook runs).
 */
public final class ServeProcess implements AutoCloseable {

    private static final Path JAR = Path.of("target/tandem.jar");

    private final Process process;
    private final Path log;
    private final int adminPort;
    private final int xdsPort;

    private ServeProcess(Process process, Path log, int adminPort, int xdsPort) {
        this.process = process;
        this.log = log;
        this.adminPort = adminPort;
        this.xdsPort = xdsPort;
    }

    /** An appliance config in {@code dir}: data in {@code dir/data}, both servers on loopback port 0. */
    public static Path config(Path dir, String nodeId, String initialConfig) throws IOException {
        Path file = dir.resolve(nodeId + ".yaml");
        Files.writeString(file, """
                node: {id: %s}
                dataDir: data
                admin: {address: 127.0.0.1, port: 0}
                xds: {address: 127.0.0.1, port: 0}
                initialConfig: %s
                """.formatted(nodeId, initialConfig));
        return file;
    }

    /** Starts {@code tandem serve --config config} (data in {@code dir/data}) and returns once it is ready. */
    public static ServeProcess start(Path dir, Path config, String name) throws IOException, InterruptedException {
        Path log = dir.resolve(name + ".log");
        Process process = new ProcessBuilder(List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-jar",
                        JAR.toAbsolutePath().toString(),
                        "serve",
                        "--config",
                        config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            Optional<ListeningPorts> ports =
                    ListeningPorts.read(dir.resolve("data")).filter(p -> p.pid() == process.pid());
            if (ports.isPresent()) {
                return new ServeProcess(
                        process, log, ports.get().adminPort(), ports.get().xdsPort());
            }
            if (process.waitFor(100, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("tandem serve exited with " + process.exitValue()
                        + " before it was ready:\n" + Files.readString(log));
            }
        }
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("tandem serve was not ready within 120 s:\n" + Files.readString(log));
    }

    public int adminPort() {
        return adminPort;
    }

    public int xdsPort() {
        return xdsPort;
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    /** The last {@code lines} lines it logged (for a failure's report). */
    public String tail(int lines) {
        return tail(log, lines);
    }

    /** The last {@code lines} lines of {@code file}, or why they cannot be read. */
    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /**
     * SIGSTOP: the process stops where it is, as a host that hangs (a VM paused, swap storm, a long
     * GC) does; its sockets stay open and what reaches them waits. {@link #resume()} continues it.
     */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a process {@link #pause() paused} runs on, its clocks having moved meanwhile. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        String said = new String(kill.getInputStream().readAllBytes());
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed: " + said);
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Ends it, paused or not (a paused process is continued first, so that nothing it holds waits on it). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                resume();
            } catch (IOException e) {
                // It died between the check and the signal: nothing to end.
            }
            kill9();
        }
    }
}
