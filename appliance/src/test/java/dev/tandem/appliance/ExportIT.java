package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.export.ExportSettings;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.RawAdsClient;
import dev.tandem.appliance.testing.RunningAppliance;
import dev.tandem.appliance.testing.TestPki;
import dev.tandem.fallback.BundleRejected;
import dev.tandem.fallback.DirectoryStore;
import dev.tandem.fallback.EncryptionKey;
import dev.tandem.fallback.ExportBundle;
import dev.tandem.fallback.ExportReader;
import dev.tandem.fallback.S3Store;
import dev.tandem.fallback.testing.S3Server;
import dev.tandem.xds.snapshot.ResourcesDocument;
import dev.tandem.xds.translate.GroupResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every published revision is exported, signed, to the fallback store, without ever holding up an
 * apply: to the local folder by default, to S3 (s3proxy here) when configured; an S3 outage delays
 * the export, never the apply, and the newest revision is exported when the store returns.
 */
class ExportIT {

    private static final String CONFIG = """
            kind: Gateway
            metadata: {name: edge}
            spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}]}
            ---
            kind: Route
            metadata: {name: web}
            spec: {gateways: [edge], hosts: [web.example.com], to: {upstream: web}}
            ---
            kind: Upstream
            metadata: {name: web}
            spec: {endpoints: [{address: 10.0.0.1, port: 8080}]}
            """;

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("export-it").applying(CONFIG);

    @TempDir
    Path dir;

    @Test
    void theExportHoldsExactlyWhatIsServedSigned() throws Exception {
        AdminHttp admin = node.admin();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> edgeExport(admin).path("lag").asLong(-1) == 0);
        JsonNode export = admin.get("/api/v1/export").json();
        assertThat(export.path("store").asText()).startsWith("folder ").endsWith("export");
        assertThat(export.path("nodeGroups")
                        .path("edge")
                        .path("exportedRevision")
                        .asLong())
                .isEqualTo(1);

        Path data = node.appliance().dataDir();
        ExportBundle bundle = new ExportReader(
                        new DirectoryStore(data.resolve("export")), exportKey(data), Optional.empty())
                .latest("edge");
        assertThat(bundle.revision()).isEqualTo(1);
        assertThat(bundle.applianceId()).isEqualTo("export-it");
        JsonNode served = admin.get("/api/v1/status")
                .json()
                .path("nodeGroups")
                .path("edge")
                .path("versions");
        for (String type : List.of("listeners", "routes", "clusters", "endpoints", "secrets")) {
            assertThat(bundle.versions().get(type))
                    .as(type)
                    .isEqualTo(served.path(type).asText());
        }
        GroupResources exported = ResourcesDocument.read(bundle.payload());
        try (RawAdsClient envoy = new RawAdsClient(node.xdsPort(), "envoy-1", "edge")) {
            var clusters = envoy.nextSotwAfter(io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest.newBuilder()
                    .setNode(envoy.node())
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .build());
            assertThat(clusters.getResourcesList().stream()
                            .map(any -> unpack(any))
                            .toList())
                    .isEqualTo(exported.clusters());
            assertThat(clusters.getVersionInfo()).isEqualTo(bundle.versions().get("clusters"));
        }

        // Every apply is exported; tandem export says so.
        assertThat(admin.post("/api/v1/apply", CONFIG.replace("10.0.0.1", "10.0.0.2"))
                        .status())
                .isEqualTo(201);
        Cli.Result forced = Cli.against(node.appliance(), "export");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(forced.out()).containsPattern("edge +2 +2 +0 ");
        assertThat(Files.list(data.resolve("export/edge/revisions"))
                        .map(p -> p.getFileName().toString())
                        .sorted()
                        .toList())
                .containsExactly("1-1.bundle", "1-2.bundle");
    }

    @Test
    void s3DownDelaysTheExportNeverTheApplyAndTheNewestIsExportedWhenItReturns() throws Exception {
        Path credentials = dir.resolve("s3.credentials");
        Files.writeString(
                credentials,
                "accessKey=" + S3Server.CREDENTIALS.accessKey() + "\nsecretKey=" + S3Server.CREDENTIALS.secretKey()
                        + "\n");
        Path keyFile = dir.resolve("export.key");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.writeString(keyFile, Base64.getEncoder().encodeToString(key));
        try (S3Server s3 = S3Server.start()) {
            ApplianceConfig config = new ApplianceConfig(
                            "s3-it",
                            dir.resolve("data"),
                            new ApplianceConfig.Endpoint("127.0.0.1", 0),
                            new ApplianceConfig.Endpoint("127.0.0.1", 0),
                            Optional.empty(),
                            List.of(),
                            TestPki.settings("s3-it"),
                            false)
                    .withExport(new ExportSettings(
                            true,
                            dir.resolve("unused"),
                            Optional.of(new ExportSettings.S3(
                                    s3.endpoint(), S3Server.BUCKET, "prod", "us-east-1", Optional.of(credentials))),
                            2,
                            Optional.of(keyFile)));
            try (RunningAppliance appliance = RunningAppliance.start(config);
                    S3Store store = new S3Store(s3.location("prod"), S3Server.CREDENTIALS)) {
                AdminHttp admin = appliance.admin();
                assertThat(admin.post("/api/v1/apply", CONFIG).status()).isEqualTo(201);
                ExportReader reader =
                        new ExportReader(store, exportKey(appliance.dataDir()), Optional.of(new EncryptionKey(key)));
                await().atMost(Duration.ofSeconds(20))
                        .ignoreExceptions()
                        .until(() -> reader.latest("edge").revision() == 1);
                // Encrypted end to end: without the key, the bundle is refused as such.
                assertThatThrownBy(() -> new ExportReader(store, exportKey(appliance.dataDir()), Optional.empty())
                                .latest("edge"))
                        .isInstanceOf(BundleRejected.class)
                        .hasMessageContaining("is encrypted");

                s3.pause();
                for (int port = 9002; port <= 9004; port++) {
                    assertThat(admin.post("/api/v1/apply", CONFIG.replace("8080", String.valueOf(port)))
                                    .status())
                            .isEqualTo(201);
                }
                await().atMost(Duration.ofSeconds(20))
                        .until(() ->
                                edgeExport(admin).path("lastError").asText().contains("cannot"));
                JsonNode lagging = admin.get("/api/v1/status")
                        .json()
                        .path("export")
                        .path("nodeGroups")
                        .path("edge");
                assertThat(lagging.path("revision").asLong()).isEqualTo(4);
                assertThat(lagging.path("exportedRevision").asLong()).isEqualTo(1);
                assertThat(lagging.path("lag").asLong()).isEqualTo(3);
                assertThat(admin.get("/metrics").body())
                        .contains("tandem_export_lag_revisions{node_group=\"edge\"} 3.0");

                s3.resume();
                // The exporter moves `latest` first and records the export after: the status catches up
                // a moment after the store, so the wait is for both.
                await().atMost(Duration.ofSeconds(90))
                        .ignoreExceptions()
                        .until(() -> reader.latest("edge").revision() == 4
                                && edgeExport(admin).path("lag").asLong() == 0);
                assertThat(edgeExport(admin).path("exportedRevision").asLong()).isEqualTo(4);
                // Revisions 2 and 3 were skipped; the newest 2 are kept.
                assertThat(store.list("edge/revisions"))
                        .containsExactly("edge/revisions/1-1.bundle", "edge/revisions/1-4.bundle");
            }
        }
    }

    @Test
    void aBundleKeyHoldingOtherContentIsAConflictThatTheStatusAndTheMetricShow() throws Exception {
        AdminHttp admin = node.admin();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> edgeExport(admin).path("exportedRevision").asLong(-1) == 1);
        // What revision 2's bundle key holds before revision 2 exists: another writer's object.
        Path revisions = node.appliance().dataDir().resolve("export/edge/revisions");
        Files.writeString(revisions.resolve("1-2.bundle"), "not this exporter's bundle");

        assertThat(admin.post("/api/v1/apply", CONFIG.replace("10.0.0.1", "10.0.0.3"))
                        .status())
                .isEqualTo(201);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> edgeExport(admin)
                        .path("lastError")
                        .asText()
                        .startsWith("bundle-conflict: edge/revisions/1-2.bundle in "));
        JsonNode edge = edgeExport(admin);
        assertThat(edge.path("exportedRevision").asLong()).isEqualTo(1);
        assertThat(edge.path("lastError").asText()).contains("exists and is not a bundle of this exporter");
        assertThat(Files.readString(revisions.resolve("1-2.bundle"))).isEqualTo("not this exporter's bundle");
        assertThat(admin.get("/metrics").body()).containsPattern("(?m)^tandem_export_conflicts_total [1-9]");
    }

    /** What {@code GET /api/v1/export} says of node group edge. */
    private static JsonNode edgeExport(AdminHttp admin) {
        return admin.get("/api/v1/export").json().path("nodeGroups").path("edge");
    }

    private static Cluster unpack(com.google.protobuf.Any any) {
        try {
            return any.unpack(Cluster.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PublicKey exportKey(Path dataDir) throws IOException {
        return PemFiles.readPublicKey(dataDir.resolve("pki/export-signing.pub"));
    }
}
