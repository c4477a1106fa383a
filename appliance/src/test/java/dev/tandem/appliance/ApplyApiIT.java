package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.cli.TandemCommand;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.TestPki;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API and CLI against a running appliance: revisions, status, health, restarts, and bad
 * input that must be refused whole (400, every error listed, revision and served versions unchanged).
 */
class ApplyApiIT {

    private static final String VALID = """
            kind: Gateway
            metadata: {name: edge}
            spec:
              nodeGroup: edge
              listeners: [{name: http, port: 10000}]
            ---
            kind: Route
            metadata: {name: orders}
            spec: {gateways: [edge], hosts: [orders.example.com], to: {failoverScheme: orders}}
            ---
            kind: Upstream
            metadata: {name: a}
            spec: {endpoints: [{address: 127.0.0.1, port: 9001, locality: {region: a}}]}
            ---
            kind: Upstream
            metadata: {name: b}
            spec: {endpoints: [{address: 127.0.0.1, port: 9002, locality: {region: b}}]}
            ---
            kind: FailoverScheme
            metadata: {name: orders}
            spec: {primary: a, failover: [b]}
            """;

    @TempDir
    Path dir;

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("api-it");

    private AdminHttp admin;

    @BeforeEach
    void start() {
        admin = node.admin();
    }

    @Test
    void healthAndEmptyStatusBeforeTheFirstApply() {
        assertThat(admin.get("/healthz").status()).isEqualTo(200);
        assertThat(admin.get("/readyz").json().path("ready").asBoolean()).isTrue();
        JsonNode status = admin.get("/api/v1/status").json();
        assertThat(status.path("node").asText()).isEqualTo("api-it");
        assertThat(status.path("role").asText()).isEqualTo("standalone");
        assertThat(status.path("revision").asLong()).isZero();
        assertThat(status.path("dataPlanes")).isEmpty();
        assertThat(admin.get("/api/v1/revisions").json().path("revisions")).isEmpty();
    }

    @Test
    void appliesRecordsAndListsRevisions() {
        Reply first = admin.post("/api/v1/apply", VALID);
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().path("revision").asLong()).isEqualTo(1);
        assertThat(first.json().path("nodeGroups").get(0).asText()).isEqualTo("edge");

        Reply same = admin.post("/api/v1/apply", "# reordered, same config\n" + VALID);
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.json().path("unchanged").asBoolean()).isTrue();
        assertThat(same.json().path("revision").asLong()).isEqualTo(1);

        Reply second = admin.post("/api/v1/apply", VALID.replace("port: 9002", "port: 9003"));
        assertThat(second.json().path("revision").asLong()).isEqualTo(2);

        JsonNode list = admin.get("/api/v1/revisions").json().path("revisions");
        assertThat(list).hasSize(2);
        assertThat(list.get(0).path("number").asLong()).isEqualTo(2);
        assertThat(list.get(0).path("documents").asInt()).isEqualTo(5);
        assertThat(list.get(0).path("appliedBy").asText()).isEqualTo("initial-admin");
        assertThat(list.get(0).path("appliedFrom").asText()).isEqualTo("127.0.0.1");
        assertThat(admin.get("/api/v1/revisions?limit=1").json().path("revisions"))
                .hasSize(1);

        JsonNode one = admin.get("/api/v1/revisions/1").json();
        assertThat(one.path("config").asText()).isEqualTo(VALID);
        assertThat(admin.get("/api/v1/revisions/9").status()).isEqualTo(404);
        assertThat(admin.get("/api/v1/revisions/latest").status()).isEqualTo(400);
        assertThat(admin.get("/api/v1/revisions?limit=0").status()).isEqualTo(400);

        JsonNode status = admin.get("/api/v1/status").json();
        assertThat(status.path("revision").asLong()).isEqualTo(2);
        assertThat(status.path("nodeGroups").path("edge").path("revision").asLong())
                .isEqualTo(2);
        // The apply says which versions its data planes will ACK; an identical apply, the current ones.
        assertThat(second.json().path("versions").path("edge"))
                .isEqualTo(status.path("nodeGroups").path("edge").path("versions"));
        assertThat(same.json().path("versions").path("edge").path("endpoints").asText())
                .isEqualTo(first.json()
                        .path("versions")
                        .path("edge")
                        .path("endpoints")
                        .asText())
                .isNotEmpty();

        // Every write is audited (an identical apply writes nothing); pages run newest first.
        JsonNode page = admin.get("/api/v1/audit?limit=1").json();
        assertThat(page.path("entries")).hasSize(1);
        JsonNode newest = page.path("entries").get(0);
        assertThat(newest.path("action").asText()).isEqualTo("apply");
        assertThat(newest.path("revision").asLong()).isEqualTo(2);
        assertThat(newest.path("actor").asText()).isEqualTo("initial-admin");
        assertThat(newest.path("origin").asText()).isEqualTo("127.0.0.1");
        assertThat(newest.path("detail").asText()).isEqualTo("5 documents, node groups [edge]");
        JsonNode next = admin.get(
                        "/api/v1/audit?limit=1&before=" + page.path("next").asLong())
                .json();
        assertThat(next.path("entries").get(0).path("revision").asLong()).isEqualTo(1);
        // The two applies, and the initial admin token the first start created (a write like any other).
        JsonNode all = admin.get("/api/v1/audit").json().path("entries");
        assertThat(all).hasSize(3);
        assertThat(all.get(2).path("action").asText()).isEqualTo("admin-token-create");
        assertThat(all.get(2).path("revision").isNull()).isTrue();
        assertThat(admin.get("/api/v1/audit?limit=0").status()).isEqualTo(400);
    }

    @Test
    void badInputIsRefusedWholeWithEveryError() {
        admin.post("/api/v1/apply", VALID);
        JsonNode servedBefore = admin.get("/api/v1/status").json().path("nodeGroups");

        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"kind: Gateway\nmetadata: {name: edge\n", "file: is not valid YAML at line"});
        cases.add(new String[] {
            VALID + "---\nkind: Listener\nmetadata: {name: x}\nspec: {}\n",
            "document 6: kind 'Listener' is not a known kind"
        });
        cases.add(new String[] {
            VALID + "---\nkind: Upstream\nmetadata: {name: a}\nspec: {endpoints: [{address: 127.0.0.1, port: 1}]}\n",
            "Upstream 'a': metadata.name is defined twice (documents 3 and 6)"
        });
        cases.add(new String[] {
            VALID.replace("failoverScheme: orders}", "upstream: x}"),
            "Route 'orders': spec.to.upstream 'x' does not exist"
        });
        cases.add(new String[] {
            VALID.replace("port: 10000", "port: 100000"),
            "Gateway 'edge': spec.listeners[0].port 100000 is out of range (1 to 65535)"
        });
        cases.add(new String[] {
            VALID.replace("failover: [b]", "failover: []"),
            "FailoverScheme 'orders': spec.failover must list at least one failover upstream"
        });
        for (String[] c : cases) {
            Reply reply = admin.post("/api/v1/apply", c[0]);
            assertThat(reply.status()).as("status for %s", c[1]).isEqualTo(400);
            assertThat(reply.json().path("error").asText()).startsWith("invalid gateway config");
            assertThat(reply.json().path("details").toString()).contains(c[1]);
        }
        assertThat(admin.post("/api/v1/apply", "").json().path("details").get(0).asText())
                .isEqualTo("file: contains no documents (a config needs at least a Gateway)");
        assertThat(admin.post("/api/v1/apply", "a: " + "[".repeat(20_000) + "]".repeat(20_000))
                        .status())
                .isEqualTo(400);
        // Several errors in one file: all reported at once.
        Reply many = admin.post(
                "/api/v1/apply", VALID.replace("port: 10000", "port: 0").replace("failover: [b]", "failover: [zz]"));
        assertThat(many.json().path("details")).hasSize(2);

        JsonNode status = admin.get("/api/v1/status").json();
        assertThat(status.path("revision").asLong()).isEqualTo(1);
        assertThat(status.path("nodeGroups")).isEqualTo(servedBefore);
        assertThat(admin.get("/api/v1/revisions").json().path("revisions")).hasSize(1);
    }

    @Test
    void jsonIsYamlTooAndOversizedBodiesAreRefused() {
        Reply json = admin.post("/api/v1/apply", """
                {"kind": "Gateway", "metadata": {"name": "edge"},
                 "spec": {"nodeGroup": "edge", "listeners": [{"name": "http", "port": 8080}]}}
                """);
        assertThat(json.status()).isEqualTo(201);
        // The server answers 413 as soon as the size is known and closes the connection; a client
        // still sending may see that as a broken pipe instead. Either way nothing is stored.
        try {
            assertThat(admin.post("/api/v1/apply", "#".repeat(9 * 1024 * 1024)).status())
                    .isEqualTo(413);
        } catch (UncheckedIOException refusedWhileSending) {
            assertThat(refusedWhileSending).hasRootCauseInstanceOf(IOException.class);
        }
        assertThat(admin.get("/api/v1/status").json().path("revision").asLong()).isEqualTo(1);
    }

    @Test
    void bootstrapsForKnownGroups() throws Exception {
        admin.post("/api/v1/apply", VALID);
        Reply envoy = admin.get("/api/v1/bootstrap?group=edge&node=edge-7");
        assertThat(envoy.status()).isEqualTo(200);
        var bootstrap = dev.tandem.xds.bootstrap.EnvoyBootstrap.parseYaml(envoy.body());
        assertThat(bootstrap.getNode().getId()).isEqualTo("edge-7");
        assertThat(bootstrap
                        .getStaticResources()
                        .getClusters(0)
                        .getLoadAssignment()
                        .getEndpoints(0)
                        .getLbEndpoints(0)
                        .getEndpoint()
                        .getAddress()
                        .getSocketAddress()
                        .getPortValue())
                .isEqualTo(node.xdsPort());
        Reply grpc = admin.get("/api/v1/bootstrap?group=edge&format=grpc&node=g1&region=r1");
        assertThat(grpc.json().path("node").path("locality").path("region").asText())
                .isEqualTo("r1");
        assertThat(grpc.json().path("xds_servers").get(0).path("server_uri").asText())
                .isEqualTo("127.0.0.1:" + node.xdsPort());
        assertThat(admin.get("/api/v1/bootstrap").status()).isEqualTo(400);
        assertThat(admin.get("/api/v1/bootstrap?group=edge&format=xml").status())
                .isEqualTo(400);
        assertThat(admin.get("/api/v1/bootstrap?group=edge&node=bad%20id").status())
                .isEqualTo(400);
        Reply unknown = admin.get("/api/v1/bootstrap?group=nope");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("details").get(0).asText())
                .isEqualTo("no Gateway defines node group 'nope' (known: [edge])");
    }

    @Test
    void secretsAreServedBySdsAndPrivateKeysNeverShown() throws Exception {
        String ca = Files.readString(Path.of("src/test/resources/test-ca.pem"));
        String cert = Files.readString(Path.of("src/test/resources/test-gateway.pem"));
        String key = Files.readString(Path.of("src/test/resources/test-gateway.key"));
        String keyBody = key.lines().skip(1).findFirst().orElseThrow();
        List<String> logged;
        try (dev.tandem.appliance.testing.LogCapture capture = dev.tandem.appliance.testing.LogCapture.start()) {
            String tls = VALID.replace(
                            "listeners: [{name: http, port: 10000}]",
                            "listeners: [{name: https, port: 10443, protocol: HTTPS, tls: {certRef: gw}}]")
                    + "---\nkind: Secret\nmetadata: {name: gw}\nspec:\n  type: CERTIFICATE\n  certificatePem: |\n"
                    + indent(cert) + "  privateKeyPem: |\n" + indent(key)
                    + "---\nkind: Secret\nmetadata: {name: ca}\nspec:\n  type: CA\n  caFile: "
                    + Path.of("src/test/resources/test-ca.pem").toAbsolutePath() + "\n";
            assertThat(admin.post("/api/v1/apply", tls).status()).isEqualTo(201);

            try (dev.tandem.appliance.testing.RawAdsClient envoy =
                    new dev.tandem.appliance.testing.RawAdsClient(node.xdsPort(), "envoy-1", "edge")) {
                envoy.sendSotw(io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest.newBuilder()
                        .setNode(envoy.node())
                        .setTypeUrl(io.envoyproxy.controlplane.cache.Resources.V3.SECRET_TYPE_URL)
                        .addResourceNames("gw")
                        .build());
                var secret = envoy.nextSotw()
                        .getResources(0)
                        .unpack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.class);
                assertThat(secret.getName()).isEqualTo("gw");
                assertThat(secret.getTlsCertificate().getPrivateKey().getInlineString())
                        .isEqualTo(key);
                envoy.cancelStreams();
            }
            assertThat(admin.get("/api/v1/status")
                            .json()
                            .path("nodeGroups")
                            .path("edge")
                            .path("versions")
                            .path("secrets")
                            .asText())
                    .isNotBlank();
            String revision =
                    admin.get("/api/v1/revisions/1").json().path("config").asText();
            assertThat(revision)
                    .contains("(private key redacted)")
                    .doesNotContain(keyBody)
                    .contains(cert.lines().skip(1).findFirst().orElseThrow());
            assertThat(admin.get("/api/v1/status").body()).doesNotContain(keyBody);
            assertThat(ca).isNotBlank();
            logged = capture.lines();
        }
        assertThat(logged).isNotEmpty().noneMatch(line -> line.contains(keyBody));
    }

    private static String indent(String pem) {
        return pem.lines().map(l -> "    " + l + "\n").collect(Collectors.joining());
    }

    @Test
    void anAdminPortInUseStopsTheStartWithTheReason(@org.junit.jupiter.api.io.TempDir Path other) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ApplianceConfig config = new ApplianceConfig(
                            "busy",
                            other.resolve("data"),
                            new ApplianceConfig.Endpoint("127.0.0.1", taken.getLocalPort()),
                            new ApplianceConfig.Endpoint("127.0.0.1", 0),
                            Optional.empty())
                    .withPki(dev.tandem.appliance.testing.TestPki.settings("busy"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Appliance.start(config))
                    .isInstanceOf(IOException.class)
                    .hasMessage("cannot listen for the admin API on 127.0.0.1:" + taken.getLocalPort()
                            + " (address in use, or not an address of this host)");
        }
    }

    @Test
    void servesTheLastRevisionAfterARestart() throws Exception {
        admin.post("/api/v1/apply", VALID);
        JsonNode before = admin.get("/api/v1/status").json().path("nodeGroups");
        node.appliance().restart();
        admin = node.admin();
        JsonNode status = admin.get("/api/v1/status").json();
        assertThat(status.path("revision").asLong()).isEqualTo(1);
        assertThat(status.path("nodeGroups")).isEqualTo(before);
    }

    @Test
    void aRevisionIsServedWithTheSecretFilesItWasAppliedWithAcrossARestartAndARollback() throws Exception {
        Path caFile = dir.resolve("upstream-ca.pem");
        Files.copy(Path.of("src/test/resources/test-ca.pem"), caFile);
        // Both upstreams of the failover scheme verify their endpoints with the CA in the file.
        String config = VALID.replace("spec: {endpoints:", "spec: {tls: {mode: SIMPLE, caRef: ca}, endpoints:")
                + "---\nkind: Secret\nmetadata: {name: ca}\nspec:\n  type: CA\n  caFile: " + caFile + "\n";
        assertThat(admin.post("/api/v1/apply", config).status()).isEqualTo(201);
        String first = secretsVersion();

        // The file is renewed on the host: what is served changes only with the next apply.
        Files.writeString(caFile, PemFiles.pem(TestPki.ca()));
        node.appliance().restart();
        admin = node.admin();
        assertThat(admin.get("/api/v1/status").json().path("revision").asLong()).isEqualTo(1);
        assertThat(secretsVersion())
                .as("after a restart, the file as revision 1 read it")
                .isEqualTo(first);
        assertThat(admin.post("/api/v1/apply", config).status()).isEqualTo(201);
        String renewed = secretsVersion();
        assertThat(renewed).isNotEqualTo(first);

        // Gone from the host altogether: a rollback and a restart still serve what revision 1 kept.
        Files.delete(caFile);
        assertThat(onNode("rollback", "1")).startsWith("0|restored revision 1 as revision 3");
        assertThat(secretsVersion()).isEqualTo(first);
        node.appliance().restart();
        admin = node.admin();
        assertThat(admin.get("/api/v1/status").json().path("revision").asLong()).isEqualTo(3);
        assertThat(secretsVersion()).isEqualTo(first);
        // A new apply reads the host, and says the file is missing there.
        Reply refused = admin.post("/api/v1/apply", config + "# again\n");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("details").path(0).asText())
                .isEqualTo(
                        "Secret 'ca': spec.caFile '" + caFile + "' cannot be read on this host: NoSuchFileException");
    }

    private String secretsVersion() {
        return admin.get("/api/v1/status")
                .json()
                .path("nodeGroups")
                .path("edge")
                .path("versions")
                .path("secrets")
                .asText();
    }

    @Test
    void cliApplyExitCodes() throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, VALID);
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, VALID.replace("failover: [b]", "failover: [nope]"));

        assertThat(onNode("apply", "-f", good.toString())).startsWith("0|applied");
        assertThat(onNode("apply", "-f", good.toString())).startsWith("0|unchanged");
        String refused = onNode("apply", "-f", bad.toString());
        assertThat(refused)
                .startsWith("1|")
                .contains("FailoverScheme 'orders': spec.failover[0] 'nope' is not a defined Upstream");
        assertThat(onNode("apply", "-f", dir.resolve("missing.yaml").toString()))
                .startsWith("3|");
        assertThat(cli(
                        "apply",
                        "-f",
                        good.toString(),
                        "--ca-file",
                        TestPki.caFile().toString(),
                        "--server",
                        "http://127.0.0.1:1"))
                .startsWith("3|")
                .contains("cannot reach the admin API");
        assertThat(onNode("status", "-o", "json")).startsWith("0|").contains("\"revision\" : 1");
        assertThat(onNode("status"))
                .startsWith("0|")
                .containsPattern("revision: +1, applied by \\S+ .*at 20")
                .containsPattern("serving: +ready")
                .contains("no data planes connected");
    }

    @Test
    void cliDryRunDiffRollbackAndWhoami() throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, VALID);
        Path moved = dir.resolve("moved.yaml");
        Files.writeString(moved, VALID.replace("port: 9002", "port: 9003"));
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, VALID.replace("port: 9001", "port: 0"));
        assertThat(onNode("apply", "-f", good.toString())).startsWith("0|applied " + good + " as revision 1");

        assertThat(onNode("diff", "-f", good.toString()))
                .isEqualTo("0|" + good + " is the config of the newest revision: an apply would store nothing\n"
                        + "no data plane would get a change\n");
        assertThat(onNode("diff", "-f", moved.toString()))
                .isEqualTo("4|" + moved + " is valid; an apply would store a new revision (served now: revision 1)\n"
                        + "node group edge:\n"
                        + "  ~ endpoints failover:orders\n");
        assertThat(onNode("diff", "-f", moved.toString(), "-o", "json")).startsWith("4|{\n  \"dryRun\" : true,");
        assertThat(onNode("apply", "--dry-run", "-f", moved.toString()))
                .startsWith("0|" + moved + " is valid; an apply would store a new revision");
        // Every error at its place in the file, as compilers print them; nothing stored.
        assertThat(onNode("diff", "-f", bad.toString()))
                .isEqualTo("1|tandem diff: refused (HTTP 400): invalid gateway config: 1 error(s)\n" + bad
                        + ":13:47: Upstream 'a': spec.endpoints[0].port 0 is out of range (1 to 65535)\n");
        assertThat(onNode("apply", "--dry-run", "-f", bad.toString())).startsWith("1|");
        assertThat(admin.get("/api/v1/status").json().path("revision").asLong()).isEqualTo(1);

        assertThat(onNode("apply", "-f", moved.toString())).startsWith("0|applied " + moved + " as revision 2");
        assertThat(onNode("rollback", "1")).startsWith("0|restored revision 1 as revision 3 (node groups [\"edge\"])");
        assertThat(onNode("diff", "-f", good.toString())).startsWith("0|");
        assertThat(onNode("rollback", "1"))
                .startsWith("0|unchanged: revision 1 is the config of the newest revision 3");
        assertThat(onNode("rollback", "99"))
                .startsWith("1|tandem rollback: refused (HTTP 404): no such revision: revision 99 does not exist");

        assertThat(onNode("whoami")).isEqualTo("0|initial-admin (admin)\n");
    }

    /** {@link #cli} against this test's appliance, trusting its CA. */
    private String onNode(String... args) {
        String[] more = Arrays.copyOf(args, args.length + 4);
        more[args.length] = "--ca-file";
        more[args.length + 1] = TestPki.caFile().toString();
        more[args.length + 2] = "--server";
        more[args.length + 3] = admin.base();
        return cli(more);
    }

    private String cli(String... args) {
        String[] withToken = Arrays.copyOf(args, args.length + 2);
        withToken[args.length] = "--token-file";
        withToken[args.length + 1] = node.tokenFile().toString();
        args = withToken;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(args);
        return exit + "|" + out + err;
    }
}
