package dev.tandem.appliance.bench;

import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.Translator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The baseline ({@link BaselineServer}) in its own process, driven through its config file. */
final class BaselineTarget implements Target {

    private final Path dir;
    private final Process process;
    private int port;
    private ServedVersions versions = new ServedVersions(Map.of());

    private BaselineTarget(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /** @param profile a folder for a JFR recording of the baseline ({@code baseline.jfr}) */
    static BaselineTarget start(Path dir, String heap, Optional<Path> profile)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        // Port 0: it writes the port it bound in its status file.
        List<String> command =
                new ArrayList<>(BenchTarget.javaCommand(heap, profile.map(p -> p.resolve("baseline.jfr"))));
        command.addAll(List.of("dev.tandem.appliance.Main", "bench-baseline", "--dir", dir.toString(), "--port", "0"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("baseline.log").toFile())
                .start();
        BaselineTarget target = new BaselineTarget(dir, process);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(dir.resolve("status"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                target.close();
                throw new IOException("the baseline did not start; its log: " + dir.resolve("baseline.log"));
            }
            Thread.sleep(50);
        }
        target.port = (int) target.status("port");
        return target;
    }

    @Override
    public String name() {
        return "baseline";
    }

    @Override
    public int xdsPort() {
        return port;
    }

    @Override
    public Path pkiDir() {
        return dir.resolve("pki");
    }

    @Override
    public void apply(String yaml) throws Exception {
        Map<String, Map<String, String>> next = new TreeMap<>();
        Translator.translate(ConfigLoader.load(yaml))
                .forEach((group, resources) ->
                        next.put(group, GroupSnapshot.of(resources, 0).versionsByType()));
        Path temp = dir.resolve("config.yaml.tmp");
        Files.writeString(temp, yaml);
        Files.move(
                temp, dir.resolve("config.yaml"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        versions = new ServedVersions(next);
    }

    @Override
    public ServedVersions versions() {
        return versions;
    }

    @Override
    public int streams() throws IOException {
        return (int) status("streams");
    }

    @Override
    public double heapUsedBytes() throws IOException {
        return status("heap");
    }

    private long status(String key) throws IOException {
        return Files.readAllLines(dir.resolve("status")).stream()
                .filter(l -> l.startsWith(key + "="))
                .mapToLong(l -> Long.parseLong(l.substring(key.length() + 1)))
                .findFirst()
                .orElse(0);
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        Target.stop(process);
    }
}
