package dev.tandem.appliance.dataplane;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts Envoy processes for one data plane, each with the next {@code --restart-epoch}: epoch 0 is
 * the first, and every later one is a hot restart that takes the listening sockets over from its
 * parent, so no listener goes away while the data plane moves from its fallback config to ADS.
 */
public final class EnvoyLauncher implements AutoCloseable {

    /** How long the old Envoy drains and lives on after a hot restart. */
    static final int DRAIN_SECONDS = 15;

    static final int PARENT_SHUTDOWN_SECONDS = 20;

    private final Path envoy;
    private final Path workdir;
    private final List<Process> started = new ArrayList<>();
    private int epoch = -1;

    public EnvoyLauncher(Path envoy, Path workdir) {
        this.envoy = envoy;
        this.workdir = workdir;
    }

    /** Starts Envoy with {@code config}; returns the epoch it was given. */
    public synchronized int start(Path config) throws IOException {
        epoch++;
        List<String> command = List.of(
                envoy.toString(),
                "-c",
                config.toString(),
                "--restart-epoch",
                String.valueOf(epoch),
                "--drain-time-s",
                String.valueOf(DRAIN_SECONDS),
                "--parent-shutdown-time-s",
                String.valueOf(PARENT_SHUTDOWN_SECONDS));
        Process process = new ProcessBuilder(command)
                .directory(workdir.toFile())
                .inheritIO()
                .start();
        started.add(process);
        return epoch;
    }

    /** The newest Envoy, or null before the first start. */
    public synchronized Process current() {
        return started.isEmpty() ? null : started.get(started.size() - 1);
    }

    public synchronized int epoch() {
        return epoch;
    }

    /** Stops every Envoy this launcher started (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public synchronized void close() {
        for (Process process : started) {
            process.destroy();
        }
        for (Process process : started) {
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
