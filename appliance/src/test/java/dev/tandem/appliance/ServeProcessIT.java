package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.appliance.testing.AdminHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem serve} as an operator runs it: the packaged jar in its own process, with a config
 * file, ready on {@code /readyz}, refusing a second process on the same data directory, and
 * logging its shutdown on SIGTERM.
 */
class ServeProcessIT {

    private static final Path JAR = Path.of("target/tandem.jar");

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void servesRefusesASecondProcessAndStopsCleanly() throws Exception {
        Files.copy(Path.of("../samples/quickstart/gateway.yaml"), dir.resolve("gateway.yaml"));
        Path config = writeConfig("first.yaml");

        Process first = start("serve", "--config", config.toString());
        // Ports 0: once ready, the process writes the ports it bound in <dataDir>/ports.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> ListeningPorts.read(dir.resolve("data")).isPresent() || !first.isAlive());
        ListeningPorts ports = ListeningPorts.read(dir.resolve("data"))
                .orElseThrow(() -> new AssertionError("serve stopped before it was ready; its output: " + log(first)));
        assertThat(ports.pid()).isEqualTo(first.pid());
        int adminPort = ports.adminPort();
        // The appliance made its own PKI on first start; an operator's client trusts its CA. It is ready.
        Path ca = dir.resolve("data/pki/ca.pem");
        assertThat(new AdminHttp(adminPort, null, ca).get("/readyz").status()).isEqualTo(200);
        AdminHttp open = new AdminHttp(adminPort, null, ca);
        assertThat(open.get("/api/v1/status").status()).isEqualTo(401);
        AdminHttp admin = AdminHttp.withTokenFrom(adminPort, dir.resolve("data"));
        assertThat(admin.get("/api/v1/status").json().path("revision").asLong()).isEqualTo(1);
        // First start: the PKI is created, keys private to the service user.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data/pki/ca.key"))))
                .isEqualTo("rw-------");

        // The CLI as a process prints what it got (status prints without a final newline of its own). The
        // appliance config alone tells it the admin URL (port 0: from <dataDir>/ports), the token file and the CA to
        // trust.
        Process status = start("status", "-o", "json", "--config", config.toString());
        assertThat(status.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(status.exitValue()).isZero();
        assertThat(output(status)).contains("\"revision\" : 1").contains("\"role\" : \"standalone\"");

        Process noToken = start("status", "--server", admin.base(), "--ca-file", ca.toString());
        assertThat(noToken.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(noToken.exitValue()).isEqualTo(1);
        assertThat(output(noToken))
                .contains("tandem status: refused (HTTP 401)")
                .contains("--token-file or $TANDEM_TOKEN");

        Process second = start("serve", "--config", writeConfig("second.yaml").toString());
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(3);
        assertThat(output(second)).contains("is in use by another Tandem process");
        assertThat(ListeningPorts.read(dir.resolve("data"))).contains(ports);

        first.destroy(); // SIGTERM
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(output(first))
                .contains("revision 1 applied by initialConfig")
                .contains("PKI: created cluster CA")
                .contains("created the token 'initial-admin'")
                .contains("stopping")
                .contains("stopped")
                .doesNotContain("PRIVATE KEY")
                .doesNotContain(
                        Files.readString(dir.resolve("data/admin-token")).trim());
        assertThat(ListeningPorts.file(dir.resolve("data"))).doesNotExist();
    }

    @Test
    void anInvalidApplianceConfigIsNamedAndExitsThree() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "admin: {port: 99999}\nxds: {adress: 0.0.0.0}\n");
        Process p = start("serve", "--config", config.toString());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(output(p)).contains("admin.port 99999 is out of range").contains("xds.adress is not a known field");
    }

    private Path writeConfig(String name) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, """
                node: {id: process-it}
                dataDir: data
                admin: {address: 127.0.0.1, port: 0}
                xds: {address: 127.0.0.1, port: 0}
                initialConfig: gateway.yaml
                """);
        return file;
    }

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("out-" + processes.size() + ".log").toFile())
                .start();
        processes.add(p);
        return p;
    }

    private String output(Process p) throws IOException {
        return Files.readString(log(p));
    }

    private Path log(Process p) {
        return dir.resolve("out-" + processes.indexOf(p) + ".log");
    }
}
