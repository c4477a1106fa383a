package dev.tandem.installer;

import static org.awaitility.Awaitility.await;

import dev.tandem.appliance.ListeningPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

/** The package the build made, and what the tests do with it: run commands, wait for /readyz. */
final class Packages {

    private Packages() {}

    /** The .deb {@code build-deb.sh} made in pre-integration-test (its last line of output names it). */
    static Path deb() throws IOException {
        List<String> lines = Files.readAllLines(Path.of(System.getProperty("tandem.debPathFile")));
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).endsWith(".deb")) {
                return Path.of(lines.get(i).trim());
            }
        }
        throw new IllegalStateException("build-deb.sh named no .deb: " + lines);
    }

    /** Another package of the same build with {@code version} (for the upgrade test). */
    static Path rebuild(String version) throws Exception {
        Result built = run(
                List.of(
                        "bash",
                        Path.of("build-deb.sh").toAbsolutePath().toString(),
                        "--reuse-image",
                        "--version",
                        version),
                Map.of(),
                Duration.ofMinutes(5));
        if (built.exit() != 0) {
            throw new IllegalStateException("build-deb.sh --version " + version + " failed: " + built.output());
        }
        return Path.of(built.output()
                .lines()
                .filter(l -> l.endsWith(".deb"))
                .reduce((a, b) -> b)
                .orElseThrow());
    }

    record Result(int exit, String output) {}

    /** Runs {@code command} to its end, output and errors together. */
    static Result run(List<String> command, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out;
        try (var in = process.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not end within " + timeout);
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Skips the calling test, saying why, when {@code tool} is not installed (.ci/run installs it). */
    static void assumeInstalled(String tool) {
        boolean found = Arrays.stream(System.getenv()
                                .getOrDefault("PATH", "/usr/bin:/bin")
                                .split(":"))
                        .anyMatch(d -> Files.isExecutable(Path.of(d, tool)))
                || Files.isExecutable(Path.of("/usr/sbin", tool))
                || Files.isExecutable(Path.of("/sbin", tool));
        Assumptions.assumeTrue(found, tool + " is not installed (apt-get install " + tool + "; .ci/run installs it)");
    }

    /**
     * The ports {@code tandem serve} bound, from {@code <dataDir>/ports} (it writes them once ready):
     * the tests give port 0, as a port picked "free" beforehand may be taken before the appliance binds it.
     */
    static ListeningPorts awaitPorts(Path dataDir, Process serve, Duration timeout) throws IOException {
        await().atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> ListeningPorts.read(dataDir).isPresent() || !serve.isAlive());
        return ListeningPorts.read(dataDir)
                .orElseThrow(() -> new AssertionError("tandem serve stopped before it was ready"));
    }

    /** GET https://127.0.0.1:{port}{path}, trusting only {@code caFile}; -1 while nothing answers. */
    static int status(int port, String path, Path caFile) {
        try {
            X509Certificate ca = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(Files.newInputStream(caFile));
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            trust.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            HttpClient http = HttpClient.newBuilder()
                    .sslContext(tls)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            return http.send(
                            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static List<String> list(String... items) {
        return new ArrayList<>(List.of(items));
    }
}
