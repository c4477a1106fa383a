package dev.tandem.installer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.ListeningPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package, unpacked with {@code dpkg-deb -x} (nothing is installed on this host): its launcher
 * runs on the bundled runtime with no Java on the PATH, the packaged default config serves, and
 * lintian finds no error.
 */
class PackageIT {

    /** No JDK anywhere the launcher could look: no PATH entries, no JAVA_HOME. */
    private static final Map<String, String> NO_JAVA = Map.of("PATH", "/nonexistent", "JAVA_HOME", "/nonexistent");

    @TempDir
    Path dir;

    @Test
    void theLauncherRunsOnTheBundledRuntimeAndTheDefaultConfigServes() throws Exception {
        Path deb = Packages.deb();
        Path root = dir.resolve("root");
        assertThat(Packages.run(
                                List.of("dpkg-deb", "-x", deb.toString(), root.toString()),
                                Map.of(),
                                Duration.ofMinutes(2))
                        .exit())
                .isZero();
        Path launcher = root.resolve("opt/tandem/bin/tandem");

        Packages.Result version =
                Packages.run(List.of(launcher.toString(), "--version"), NO_JAVA, Duration.ofMinutes(1));
        assertThat(version.exit()).as(version.output()).isZero();
        assertThat(version.output()).contains("tandem 0.1.0");

        // The packaged default config, pointed at a temporary data directory and ports the appliance chooses.
        String config = Files.readString(root.resolve("etc/tandem/tandem.yaml"))
                .replace("dataDir: /var/lib/tandem", "dataDir: " + dir.resolve("data"))
                .replace("port: 9090", "port: 0")
                .replace("port: 18000", "port: 0");
        Path file = dir.resolve("tandem.yaml");
        Files.writeString(file, config);
        ProcessBuilder serve = new ProcessBuilder(launcher.toString(), "serve", "--config", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("serve.log").toFile());
        serve.environment().putAll(NO_JAVA);
        Process process = serve.start();
        try {
            ListeningPorts ports = Packages.awaitPorts(dir.resolve("data"), process, Duration.ofSeconds(90));
            assertThat(Packages.status(ports.adminPort(), "/readyz", dir.resolve("data/pki/ca.pem")))
                    .isEqualTo(200);
            assertThat(Files.readString(dir.resolve("serve.log")))
                    .contains("ready: xDS on 127.0.0.1:" + ports.xdsPort() + " (mTLS)")
                    .doesNotContain("CDS archive")
                    .doesNotContain("[warning]");
        } finally {
            process.destroy();
            assertThat(process.waitFor()).isIn(0, 143);
        }
        assertThat(Files.readString(dir.resolve("serve.log"))).contains("stopped");
    }

    @Test
    void lintianFindsNoError() throws Exception {
        Packages.assumeInstalled("lintian");
        Packages.Result lintian = Packages.run(
                List.of("lintian", "--fail-on", "error", Packages.deb().toString()), Map.of(), Duration.ofMinutes(5));
        assertThat(lintian.exit()).as(lintian.output()).isZero();
        assertThat(lintian.output().lines().filter(l -> l.startsWith("E:"))).isEmpty();
        // Every warning is either fixed or overridden with its reason in src/deb/lintian-overrides.
        assertThat(lintian.output().lines().filter(l -> l.startsWith("W:"))).isEmpty();
    }

    @Test
    void theUnitFileAndTheControlFilesSayWhatTheyShould() throws Exception {
        Path deb = Packages.deb();
        Packages.Result info = Packages.run(List.of("dpkg-deb", "-I", deb.toString()), Map.of(), Duration.ofMinutes(1));
        assertThat(info.output())
                .contains("Package: tandem")
                .contains("Architecture: amd64")
                .contains("conffiles");
        Path root = dir.resolve("root");
        Packages.run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), Map.of(), Duration.ofMinutes(2));
        // The gateway config's JSON Schema, for editors on the host, as it is in the repository.
        assertThat(root.resolve("usr/share/tandem/schemas/gateway-config.schema.json"))
                .hasSameTextualContentAs(Path.of("../xds/src/main/resources/schema/gateway-config.schema.json"));
        String unit = Files.readString(root.resolve("lib/systemd/system/tandem.service"));
        assertThat(unit)
                .contains("Type=notify")
                .contains("User=tandem")
                .contains("Restart=on-failure")
                .contains("NoNewPrivileges=yes")
                .contains("ProtectSystem=strict")
                .contains("ProtectHome=yes")
                .contains("PrivateTmp=yes")
                .contains("ReadWritePaths=/var/lib/tandem")
                .contains("TimeoutStopSec=");
        Packages.Result control = Packages.run(
                List.of("dpkg-deb", "-e", deb.toString(), dir.resolve("DEBIAN").toString()),
                Map.of(),
                Duration.ofMinutes(1));
        assertThat(control.exit()).isZero();
        assertThat(Files.readString(dir.resolve("DEBIAN/conffiles")).trim()).isEqualTo("/etc/tandem/tandem.yaml");
        assertThat(Files.isSymbolicLink(root.resolve("usr/bin/tandem"))).isTrue();
        Path unitFile = root.resolve("lib/systemd/system/tandem.service");
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            // systemd's own checks: the unit parses (only its ExecStart is not on this host), and its exposure is low.
            Packages.Result verify = Packages.run(
                    List.of("systemd-analyze", "verify", unitFile.toString()), Map.of(), Duration.ofMinutes(1));
            assertThat(verify.output().lines()).allMatch(l -> l.contains("/opt/tandem/bin/tandem is not executable"));
            Packages.Result security = Packages.run(
                    List.of("systemd-analyze", "security", "--offline=true", unitFile.toString()),
                    Map.of(),
                    Duration.ofMinutes(1));
            String level = security.output()
                    .lines()
                    .filter(l -> l.contains("Overall exposure level"))
                    .findFirst()
                    .orElseThrow();
            assertThat(Double.parseDouble(level.replaceAll(".*level for tandem.service: ([0-9.]+).*", "$1")))
                    .isLessThan(4.0);
        }
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/tandem"))).isEqualTo(Path.of("/opt/tandem/bin/tandem"));
    }
}
