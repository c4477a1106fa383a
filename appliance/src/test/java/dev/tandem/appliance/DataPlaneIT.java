package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.Ports;
import dev.tandem.appliance.testing.RunningAppliance;
import dev.tandem.appliance.testing.TestPki;
import dev.tandem.xds.bootstrap.EnvoyBootstrap;
import dev.tandem.xds.bootstrap.XdsPeer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem dataplane} on a data-plane host while every control plane is down, and after one
 * returns. Envoy cannot be installed on this machine: a stand-in script takes its place, records
 * the arguments and the config file each start was given, and runs until it is stopped.
 */
class DataPlaneIT {

    private static final String CONFIG = """
            kind: Gateway
            metadata: {name: edge}
            spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}]}
            ---
            kind: Route
            metadata: {name: web}
            spec: {gateways: [edge], hosts: [web.example.com], to: {failoverScheme: web}}
            ---
            kind: FailoverScheme
            metadata: {name: web}
            spec: {primary: web-a, failover: [web-b]}
            ---
            kind: Upstream
            metadata: {name: web-a}
            spec: {endpoints: [{address: 10.0.0.1, port: 8080}]}
            ---
            kind: Upstream
            metadata: {name: web-b}
            spec: {endpoints: [{address: 10.1.0.1, port: 8080}]}
            """;

    @TempDir
    Path dir;

    private int xdsPort;
    private RunningAppliance appliance;
    private Path store;
    private Path trustedKey;
    private Path adsBootstrap;
    private Path envoy;
    private Path workdir;

    @BeforeEach
    void exportThenStopEveryControlPlane() throws Exception {
        // The data plane's bootstrap names the xDS port, and the appliance comes back on it.
        appliance = Ports.bind(port -> RunningAppliance.start("tandem-1", dir, port));
        xdsPort = appliance.xdsPort();
        assertThat(appliance.admin().post("/api/v1/apply", CONFIG).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> appliance
                                .admin()
                                .get("/api/v1/export")
                                .json()
                                .path("nodeGroups")
                                .path("edge")
                                .path("lag")
                                .asLong(-1)
                        == 0);
        appliance.stop();
        store = appliance.dataDir().resolve("export");
        trustedKey = appliance.dataDir().resolve("pki/export-signing.pub");
        TestPki.ClientCertificate certificate = TestPki.dataPlane("edge-7", "edge");
        adsBootstrap = dir.resolve("envoy-ads.yaml");
        Files.writeString(
                adsBootstrap,
                EnvoyBootstrap.toYaml(EnvoyBootstrap.build(
                        "edge-7",
                        "edge",
                        List.of(new XdsPeer("tandem-1", "127.0.0.1", xdsPort)),
                        Optional.of(certificate.files()))));
        envoy = standInEnvoy();
        workdir = dir.resolve("work");
    }

    @AfterEach
    void stop() {
        appliance.stop();
    }

    @Test
    void startsFromTheExportThenHotRestartsOntoAdsWhenAControlPlaneAnswers() throws Exception {
        AtomicReference<Cli.Result> result = new AtomicReference<>();
        Thread dataPlane = new Thread(() -> result.set(Cli.run(args("--probe-interval", "200ms"))));
        dataPlane.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> calls().size() == 1);
            assertThat(calls().get(0))
                    .startsWith("-c " + workdir.resolve("envoy-fallback.yaml") + " --restart-epoch 0 ");
            Bootstrap fallback = EnvoyBootstrap.parseYaml(Files.readString(dir.resolve("envoy-config-epoch-0.yaml")));
            assertThat(fallback.hasDynamicResources()).isFalse();
            assertThat(fallback.getNode().getId()).isEqualTo("edge-7");
            assertThat(fallback.getStaticResources().getListenersList())
                    .extracting(l -> l.getName())
                    .containsExactly("edge:http");
            assertThat(fallback.getStaticResources().getClustersList())
                    .extracting(c -> c.getName())
                    .containsExactly("failover:web");
            assertThat(fallback.getStaticResources()
                            .getClusters(0)
                            .getLoadAssignment()
                            .getEndpointsList())
                    .extracting(l -> l.getPriority())
                    .containsExactly(0, 1);
            assertThat(workdir.resolve("fallback.bundle")).exists();

            // A control plane comes back: Envoy moves to ADS by hot restart, epoch 1.
            appliance.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> calls().size() == 2);
            assertThat(calls().get(1)).startsWith("-c " + workdir.resolve("envoy-ads.yaml") + " --restart-epoch 1 ");
            assertThat(Files.readString(dir.resolve("envoy-config-epoch-1.yaml")))
                    .isEqualTo(Files.readString(adsBootstrap));
        } finally {
            dataPlane.interrupt();
            dataPlane.join(20_000);
        }
        assertThat(result.get().exit()).isEqualTo(130);
        assertThat(result.get().out())
                .contains("no peer answers: starting Envoy from the export (epoch 0)")
                .contains("export of node group 'edge' revision 1")
                .contains("hot restart onto ADS (epoch 1)");
        // Every stand-in Envoy the command started, it stopped.
        assertThat(ProcessHandle.current()
                        .descendants()
                        .filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().commandLine().orElse("").contains("sleep 600")))
                .isEmpty();
    }

    @Test
    void aDataPlaneWithACachedExportNeverReadsTheStoreAgain() throws Exception {
        Cli.Result first = Cli.run(args("--print"));
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("no peer answers: " + workdir.resolve("envoy-fallback.yaml"));
        deleteTree(store);
        Cli.Result again = Cli.run(args("--print"));
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("from the cached export " + workdir.resolve("fallback.bundle"));
        EnvoyBootstrap.parseYaml(Files.readString(workdir.resolve("envoy-fallback.yaml")));
        Cli.Result otherGroup = Cli.run(args("--print", "--node-group", "mesh"));
        assertThat(otherGroup.exit()).isEqualTo(3);
        assertThat(otherGroup.err()).contains("--node-group mesh but " + adsBootstrap + " is for node group 'edge'");
    }

    @Test
    void aDamagedOrForeignExportIsRefusedAndEnvoyIsNotStarted() throws Exception {
        Path bundle = store.resolve("edge/revisions/1-1.bundle");
        byte[] original = Files.readAllBytes(bundle);
        String text = new String(original, StandardCharsets.UTF_8);

        Files.writeString(bundle, text.replace("\"revision\" : 1", "\"revision\" : 9"));
        assertRefused("does not match its signature");

        Files.writeString(bundle, text.replaceAll("\"signature\" : \"[^\"]*\"", "\"signature\" : \"\""));
        assertRefused("carries no signature");

        Files.write(bundle, Arrays.copyOf(original, original.length / 3));
        assertRefused("may be truncated");

        Files.write(bundle, original);
        Path stranger = dir.resolve("stranger.pub");
        Files.writeString(
                stranger,
                dev.tandem.appliance.pki.PemFiles.pem(KeyPairGenerator.getInstance("Ed25519")
                        .generateKeyPair()
                        .getPublic()));
        trustedKey = stranger;
        assertRefused("not by the trusted export key");
        trustedKey = appliance.dataDir().resolve("pki/export-signing.pub");

        // Another group's export under this group's name.
        Files.createDirectories(store.resolve("mesh/revisions"));
        Files.copy(store.resolve("edge/latest"), store.resolve("mesh/latest"));
        Files.writeString(adsBootstrap, Files.readString(adsBootstrap).replace("cluster: edge", "cluster: mesh"));
        assertRefused("points into node group 'edge', not 'mesh'");
    }

    private void assertRefused(String reason) throws Exception {
        deleteTree(workdir);
        Cli.Result refused = Cli.run(args());
        assertThat(refused.exit()).as(refused.out()).isEqualTo(1);
        assertThat(refused.err())
                .contains("tandem dataplane: refused: ")
                .contains(reason)
                .contains("Envoy is not started");
        assertThat(calls()).isEmpty();
        assertThat(workdir.resolve("envoy-fallback.yaml")).doesNotExist();
    }

    private String[] args(String... extra) {
        List<String> all = new ArrayList<>(List.of(
                "dataplane",
                "--bootstrap",
                adsBootstrap.toString(),
                "--store",
                store.toString(),
                "--trusted-key",
                trustedKey.toString(),
                "--envoy",
                envoy.toString(),
                "--workdir",
                workdir.toString()));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    private List<String> calls() throws IOException {
        Path log = dir.resolve("envoy-calls.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private Path standInEnvoy() throws IOException {
        Path script = dir.resolve("envoy");
        Files.writeString(script, """
                #!/bin/sh
                # Stand-in for Envoy: records the config and the arguments of each start, then runs until stopped.
                # The config first: a test that sees the call in the log reads the config it was given.
                here=$(dirname "$0")
                cp "$2" "$here/envoy-config-epoch-$4.yaml"
                echo "$@" >> "$here/envoy-calls.log"
                exec sleep 600
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
