package dev.tandem.appliance.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.Jackson;
import dev.tandem.appliance.ListeningPorts;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.TlsContexts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The appliance under test, in its own process (so its heap, RSS and CPU are its own): {@code tandem
 * serve} on loopback ports it chooses (port 0; it writes them in {@code <dataDir>/ports} once ready),
 * a throwaway data directory, the bench's JVM and class path.
 */
final class BenchTarget implements Target {

    private static final ObjectMapper JSON = Jackson.MAPPER;

    private final Path dataDir;
    private final Process process;
    /** What it wrote once ready. */
    private Optional<ListeningPorts> ports = Optional.empty();
    /** The versions the last apply answered with; empty before the first. */
    private Optional<ServedVersions> applied = Optional.empty();

    private BenchTarget(Path dataDir, Process process) {
        this.dataDir = dataDir;
        this.process = process;
    }

    /** @param profile a folder for a JFR recording of the target ({@code tandem.jfr}) */
    static BenchTarget start(Path dir, String heap, Optional<Path> profile) throws IOException, InterruptedException {
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(
                config,
                "node: {id: bench-target}\ndataDir: " + dir.resolve("data")
                        + "\nadmin: {address: 127.0.0.1, port: 0}\nxds: {address: 127.0.0.1, port: 0}\n");
        List<String> command = new ArrayList<>(javaCommand(heap, profile.map(p -> p.resolve("tandem.jfr"))));
        command.addAll(List.of("dev.tandem.appliance.Main", "serve", "--config", config.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("target.log").toFile())
                .start();
        BenchTarget target = new BenchTarget(dir.resolve("data"), process);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!target.ready()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                target.close();
                throw new IOException("the target appliance did not start; its log: " + dir.resolve("target.log"));
            }
            Thread.sleep(100);
        }
        return target;
    }

    /**
     * This JVM's java and class path, with {@code -Xmx}: targets run the same build as the bench.
     *
     * @param recording where a JFR recording (JDK's "profile" settings) is written when the target stops
     */
    static List<String> javaCommand(String heap, Optional<Path> recording) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-Xmx" + heap, "--enable-native-access=ALL-UNNAMED"));
        recording.ifPresent(r -> command.add(
                "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + r.toAbsolutePath()));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return command;
    }

    @Override
    public String name() {
        return "tandem";
    }

    @Override
    public int xdsPort() {
        return ports.orElseThrow().xdsPort();
    }

    @Override
    public Path pkiDir() {
        return dataDir.resolve("pki");
    }

    @Override
    public void apply(String yaml) throws Exception {
        HttpResponse<String> response = admin().apply(yaml);
        if (response.statusCode() != 200 && response.statusCode() != 201) {
            throw new IllegalStateException(
                    "the apply was refused (HTTP " + response.statusCode() + "): " + response.body());
        }
        applied = Optional.of(versionsIn(JSON.readTree(response.body()).path("versions")));
    }

    @Override
    public ServedVersions versions() throws Exception {
        return applied.isPresent()
                ? applied.get()
                : versionsIn(JSON.readTree(admin().get("/api/v1/status").body()).path("nodeGroups"));
    }

    /** {@code {group: {type: version}}} or {@code {group: {versions: {type: version}}}}. */
    private static ServedVersions versionsIn(JsonNode groups) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        groups.properties().forEach(g -> {
            Map<String, String> types = new TreeMap<>();
            JsonNode versions = g.getValue().has("versions") ? g.getValue().path("versions") : g.getValue();
            versions.properties()
                    .forEach(t -> types.put(t.getKey(), t.getValue().asText()));
            out.put(g.getKey(), types);
        });
        return new ServedVersions(out);
    }

    /** From the metrics: far cheaper for the target than the status of 10,000 data planes, asked every 100 ms. */
    @Override
    public int streams() throws Exception {
        return (int) admin().get("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith("tandem_xds_data_planes{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Override
    public double heapUsedBytes() throws Exception {
        return admin().get("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Ready once it wrote its ports (it does once ready), not a file a killed target left. */
    private boolean ready() throws IOException {
        ports = ListeningPorts.read(dataDir).filter(written -> written.pid() == process.pid());
        return ports.isPresent();
    }

    @Override
    public long pid() {
        return process.pid();
    }

    private BenchAdmin admin() throws IOException {
        return new BenchAdmin(ports.orElseThrow().adminPort(), dataDir);
    }

    @Override
    public void close() throws InterruptedException {
        Target.stop(process);
    }

    /** The admin API of the target, with its initial admin token, trusting its CA. */
    private static final class BenchAdmin {

        private final int port;
        private final String token;
        private final HttpClient http;

        BenchAdmin(int port, Path dataDir) throws IOException {
            this.port = port;
            Path tokenFile = dataDir.resolve("admin-token");
            this.token = Files.exists(tokenFile) ? Files.readString(tokenFile).trim() : "";
            this.http = HttpClient.newBuilder()
                    .sslContext(TlsContexts.context(
                            null,
                            CertificateTrust.pkixTrusting(PemFiles.readCertificate(dataDir.resolve("pki/ca.pem")))))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return http.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                            .header("Authorization", "Bearer " + token)
                            .timeout(Duration.ofSeconds(60))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> apply(String yaml) throws IOException, InterruptedException {
            return http.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/apply"))
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/yaml")
                            .timeout(Duration.ofSeconds(60))
                            .POST(HttpRequest.BodyPublishers.ofString(yaml))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}
