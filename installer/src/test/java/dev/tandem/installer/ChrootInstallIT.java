package dev.tandem.installer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.ListeningPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Install, run, upgrade, remove and purge the package in a throwaway Debian (a debootstrapped
 * minimal bookworm, cached between runs), entered with chroot inside new mount and PID namespaces:
 * the host's own packages, users and mounts are never touched, and every process started in it ends
 * with its namespace. systemd does not run there, as in a container: the maintainer scripts must
 * succeed anyway and say so.
 */
class ChrootInstallIT {

    private static final Path BASE_CACHE =
            Path.of(System.getProperty("user.home"), ".cache", "tandem-installer-tests", "bookworm-minbase.tar");

    @TempDir
    Path dir;

    private Path root;
    private Process serving;

    @BeforeEach
    void throwawayDebian() throws Exception {
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")), "a chroot install needs root (CI runs as root)");
        Packages.assumeInstalled("debootstrap");
        Packages.assumeInstalled("unshare");
        if (!Files.exists(BASE_CACHE)) {
            Path fresh = dir.resolve("debootstrap");
            Packages.Result bootstrap = Packages.run(
                    List.of(
                            "debootstrap",
                            "--variant=minbase",
                            "bookworm",
                            fresh.toString(),
                            "http://deb.debian.org/debian"),
                    Map.of(),
                    Duration.ofMinutes(10));
            assertThat(bootstrap.exit()).as(bootstrap.output()).isZero();
            Files.createDirectories(BASE_CACHE.getParent());
            // Two builds on one machine may both fill the cache: each writes its own file, the last rename wins.
            Path temp = BASE_CACHE.resolveSibling(
                    BASE_CACHE.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            assertThat(Packages.run(
                                    List.of("tar", "-C", fresh.toString(), "-cf", temp.toString(), "."),
                                    Map.of(),
                                    Duration.ofMinutes(5))
                            .exit())
                    .isZero();
            Files.move(temp, BASE_CACHE, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        root = dir.resolve("root");
        Files.createDirectories(root);
        assertThat(Packages.run(
                                List.of("tar", "-C", root.toString(), "-xf", BASE_CACHE.toString()),
                                Map.of(),
                                Duration.ofMinutes(5))
                        .exit())
                .isZero();
    }

    @AfterEach
    void stopServing() throws Exception {
        stop();
    }

    @Test
    void installRunUpgradeRemovePurge() throws Exception {
        Files.copy(Packages.deb(), root.resolve("tmp/tandem.deb"));
        Packages.Result installed = chroot("dpkg -i /tmp/tandem.deb");
        assertThat(installed.exit()).as(installed.output()).isZero();
        assertThat(installed.output())
                .contains("systemd is not running here")
                .contains("the service was not enabled or started");

        assertThat(chroot("stat -c '%U:%G %a' /var/lib/tandem").output().trim()).isEqualTo("tandem:tandem 750");
        assertThat(chroot("stat -c '%U:%G %a' /etc/tandem/tandem.yaml").output().trim())
                .isEqualTo("root:root 644");
        assertThat(chroot("getent passwd tandem").output()).contains(":/var/lib/tandem:/usr/sbin/nologin");
        assertThat(chroot("dpkg-query -W -f='${Conffiles}' tandem").output()).contains("/etc/tandem/tandem.yaml");
        assertThat(chroot("tandem --version").output()).contains("tandem 0.1.0");

        // The operator edits the config (port 0: the appliance chooses; the CLI reads <dataDir>/ports) and runs the
        // service as its user. The chroot shares this host's network: a fixed port may be in use here.
        Path config = root.resolve("etc/tandem/tandem.yaml");
        Files.writeString(
                config,
                Files.readString(config).replace("port: 9090", "port: 0").replace("port: 18000", "port: 0")
                        + "# edited by the operator\n");
        serve();
        Files.copy(Path.of("../samples/quickstart/gateway.yaml"), root.resolve("tmp/gateway.yaml"));
        Packages.Result applied = chroot("tandem apply -f /tmp/gateway.yaml");
        assertThat(applied.exit()).as(applied.output()).isZero();
        assertThat(applied.output()).contains("applied /tmp/gateway.yaml as revision 1");
        stop();

        // Upgrade: the data and the edited conffile stay; the new version migrates and serves them.
        Path upgrade = Packages.rebuild("0.1.0~SNAPSHOT+upgrade");
        Files.copy(upgrade, root.resolve("tmp/tandem-upgrade.deb"));
        Packages.Result upgraded = chroot("dpkg -i /tmp/tandem-upgrade.deb");
        assertThat(upgraded.exit()).as(upgraded.output()).isZero();
        assertThat(chroot("dpkg-query -W -f='${Version}' tandem").output()).isEqualTo("0.1.0~SNAPSHOT+upgrade");
        assertThat(Files.readString(config))
                .contains("# edited by the operator")
                .contains("port: 0");
        serve();
        Packages.Result status = chroot("tandem status -o json");
        assertThat(status.exit()).as(status.output()).isZero();
        assertThat(status.output()).contains("\"revision\" : 1");
        stop();

        // remove keeps data, config and user; purge takes them.
        assertThat(chroot("dpkg -r tandem").exit()).isZero();
        assertThat(root.resolve("opt/tandem")).doesNotExist();
        assertThat(root.resolve("usr/bin/tandem")).doesNotExist();
        assertThat(root.resolve("var/lib/tandem/tandem.mv.db")).exists();
        assertThat(config).exists();
        assertThat(chroot("getent passwd tandem").exit()).isZero();

        assertThat(chroot("dpkg -P tandem").exit()).isZero();
        assertThat(root.resolve("var/lib/tandem")).doesNotExist();
        assertThat(root.resolve("etc/tandem")).doesNotExist();
        assertThat(chroot("getent passwd tandem").exit()).isNotZero();
        assertThat(chroot("getent group tandem").exit()).isNotZero();
    }

    /** Runs {@code script} as root in the throwaway Debian, in its own mount and PID namespaces. */
    private Packages.Result chroot(String script) throws Exception {
        return Packages.run(command(script), Map.of(), Duration.ofMinutes(3));
    }

    private List<String> command(String script) {
        return List.of(
                "unshare",
                "--fork",
                "--pid",
                "--mount",
                "--kill-child",
                "--mount-proc=" + root.resolve("proc"),
                "chroot",
                root.toString(),
                "/bin/sh",
                "-c",
                script);
    }

    private void serve() throws Exception {
        Path dataDir = root.resolve("var/lib/tandem");
        // Not the ports of a run that was killed (a clean stop removes the file).
        Files.deleteIfExists(ListeningPorts.file(dataDir));
        serving = new ProcessBuilder(command(
                        "exec runuser -u tandem -- /opt/tandem/bin/tandem serve --config /etc/tandem/tandem.yaml"))
                .redirectErrorStream(true)
                .redirectOutput(
                        dir.resolve("serve-" + System.nanoTime() + ".log").toFile())
                .start();
        ListeningPorts ports = Packages.awaitPorts(dataDir, serving, Duration.ofSeconds(120));
        assertThat(Packages.status(ports.adminPort(), "/readyz", dataDir.resolve("pki/ca.pem")))
                .isEqualTo(200);
    }

    /** SIGTERM to the appliance (it stops cleanly); its namespace ends with it. */
    private void stop() throws Exception {
        if (serving == null) {
            return;
        }
        serving.descendants()
                .filter(p -> p.info().commandLine().orElse("").contains(" serve "))
                .forEach(ProcessHandle::destroy);
        if (!serving.waitFor(60, TimeUnit.SECONDS)) {
            serving.destroyForcibly();
            serving.waitFor();
        }
        serving = null;
    }
}
