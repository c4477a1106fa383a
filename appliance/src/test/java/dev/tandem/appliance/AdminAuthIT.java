package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.cli.TandemCommand;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.LogCapture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every admin API call carries a bearer token of a role allowed to make it; refusals say why and are counted. */
class AdminAuthIT {

    private static final String CONFIG = """
            kind: Gateway
            metadata: {name: edge}
            spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}]}
            """;

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("auth-it");

    @TempDir
    Path dir;

    @Test
    void refusesMissingForgedAndUnderprivilegedTokens() throws Exception {
        AdminHttp admin = node.admin();
        AdminHttp anonymous = admin.as(null);

        Reply missing = anonymous.get("/api/v1/status");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().path("details").get(0).asText())
                .isEqualTo("this call needs Authorization: Bearer <admin token>");
        Reply forged = admin.as("tdm_" + "A".repeat(43)).post("/api/v1/apply", CONFIG);
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.json().path("details").get(0).asText())
                .isEqualTo("the bearer token is not a valid admin token");
        assertThat(anonymous.get("/healthz").status()).isEqualTo(200);

        String viewer = create(admin, "dashboard", "viewer").path("token").asText();
        String operator = create(admin, "ci-pipeline", "operator").path("token").asText();
        assertThat(viewer).startsWith("tdm_").isNotEqualTo(operator);

        Reply viewerApply = admin.as(viewer).post("/api/v1/apply", CONFIG);
        assertThat(viewerApply.status()).isEqualTo(403);
        assertThat(viewerApply.json().path("details").get(0).asText())
                .isEqualTo("token 'dashboard' has role viewer; POST /api/v1/apply needs operator");
        assertThat(admin.as(viewer).get("/api/v1/status").status()).isEqualTo(200);
        assertThat(admin.as(operator)
                        .post("/api/v1/admin-tokens", "{\"name\": \"x\", \"role\": \"admin\"}")
                        .status())
                .isEqualTo(403);
        assertThat(admin.get("/api/v1/revisions").json().path("revisions")).isEmpty();

        Reply applied = admin.as(operator).post("/api/v1/apply", CONFIG);
        assertThat(applied.status()).isEqualTo(201);
        assertThat(admin.get("/api/v1/revisions/1").json().path("appliedBy").asText())
                .isEqualTo("ci-pipeline");
        JsonNode audit = admin.get("/api/v1/audit").json().path("entries");
        assertThat(audit.get(0).path("actor").asText()).isEqualTo("ci-pipeline");
        assertThat(audit.get(1).path("action").asText()).isEqualTo("admin-token-create");
        assertThat(audit.toString()).doesNotContain(viewer).doesNotContain(operator);

        JsonNode listed = admin.get("/api/v1/admin-tokens").json();
        assertThat(listed.path("tokens"))
                .extracting(t -> t.path("name").asText())
                .containsExactly("ci-pipeline", "dashboard", "initial-admin");
        assertThat(listed.toString()).doesNotContain(viewer).doesNotContain("tdm_");
        assertThat(create(admin, "dashboard", "viewer").path("error").asText()).isEqualTo("token exists");
        assertThat(admin.post("/api/v1/admin-tokens", "{\"name\": \"bad name\", \"role\": \"root\"}")
                        .status())
                .isEqualTo(400);

        String metrics = anonymous.get("/metrics").body();
        assertThat(metrics)
                .contains("tandem_admin_refusals_total{reason=\"missing-token\"} 1.0")
                .contains("tandem_admin_refusals_total{reason=\"invalid-token\"} 1.0")
                .contains("tandem_admin_refusals_total{reason=\"forbidden-role\"} 2.0");
    }

    @Test
    void theCliCreatesATokenWithTheAdminTokenFile() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(
                        "admin-token",
                        "create",
                        "--name",
                        "ops",
                        "--role",
                        "operator",
                        "--ca-file",
                        dev.tandem.appliance.testing.TestPki.caFile().toString(),
                        "--server",
                        node.admin().base(),
                        "--token-file",
                        node.tokenFile().toString());
        assertThat(exit).as(err.toString()).isZero();
        String token = out.toString().trim();
        Path file = dir.resolve("ops-token");
        Files.writeString(file, token);
        StringWriter status = new StringWriter();
        assertThat(TandemCommand.commandLine()
                        .setOut(new PrintWriter(status))
                        .execute(
                                "status",
                                "-o",
                                "json",
                                "--ca-file",
                                dev.tandem.appliance.testing.TestPki.caFile().toString(),
                                "--server",
                                node.admin().base(),
                                "--token-file",
                                file.toString()))
                .isZero();
        assertThat(status.toString()).contains("\"role\" : \"standalone\"");
        StringWriter refused = new StringWriter();
        assertThat(TandemCommand.commandLine()
                        .setErr(new PrintWriter(refused))
                        .execute(
                                "admin-token",
                                "create",
                                "--name",
                                "x",
                                "--role",
                                "admin",
                                "--ca-file",
                                dev.tandem.appliance.testing.TestPki.caFile().toString(),
                                "--server",
                                node.admin().base(),
                                "--token-file",
                                file.toString()))
                .isEqualTo(1);
        assertThat(refused.toString()).contains("refused (HTTP 403)").contains("needs admin");
    }

    @Test
    void tokensAreListedRevokedAndReRoledAndTheLastAdminStays() throws Exception {
        AdminHttp admin = node.admin();
        String ci = create(admin, "ci", "operator").path("token").asText();
        assertThat(admin.as(ci).post("/api/v1/apply", CONFIG).status()).isEqualTo(201);

        Cli.Result listed = Cli.against(node.appliance(), "admin-token", "list");
        assertThat(listed.out())
                .containsPattern("ci +operator")
                .containsPattern("initial-admin +admin")
                .doesNotContain(ci);

        Cli.Result demoted = Cli.against(node.appliance(), "admin-token", "set-role", "ci", "viewer");
        assertThat(demoted.exit()).as(demoted.err()).isZero();
        assertThat(admin.as(ci).post("/api/v1/apply", CONFIG).status()).isEqualTo(403);
        assertThat(admin.as(ci).get("/api/v1/status").status()).isEqualTo(200);

        assertThat(Cli.against(node.appliance(), "admin-token", "revoke", "ci").exit())
                .isZero();
        Reply afterRevoke = admin.as(ci).get("/api/v1/status");
        assertThat(afterRevoke.status()).isEqualTo(401);

        Cli.Result last = Cli.against(node.appliance(), "admin-token", "revoke", "initial-admin");
        assertThat(last.exit()).isEqualTo(1);
        assertThat(last.err()).contains("'initial-admin' is the last admin token; create another admin token first");
        assertThat(Cli.against(node.appliance(), "admin-token", "set-role", "initial-admin", "viewer")
                        .exit())
                .isEqualTo(1);
        assertThat(Cli.against(node.appliance(), "admin-token", "revoke", "nobody")
                        .err())
                .contains("there is no token named 'nobody'");

        JsonNode audit = admin.get("/api/v1/audit").json().path("entries");
        assertThat(audit)
                .extracting(
                        e -> e.path("action").asText() + " " + e.path("detail").asText())
                .contains("admin-token-role-change token 'ci': operator -> viewer", "admin-token-revoke token 'ci'");
    }

    /**
     * Tokens and private keys never leave: not in the log, not in any API answer, not in the audit
     * log, whatever was created (admin token, join token, data-plane certificate).
     */
    @Test
    void tokensAndKeysNeverAppearInLogsOrAnswers() throws Exception {
        AdminHttp admin = node.admin();
        List<String> secrets = new ArrayList<>();
        secrets.add(Files.readString(node.tokenFile()).trim());
        Path pki = node.appliance().dataDir().resolve("pki");
        secrets.add(keyBody(pki.resolve("server.key")));
        secrets.add(keyBody(pki.resolve("export-signing.key")));
        List<String> answers = new ArrayList<>();
        try (LogCapture log = LogCapture.start()) {
            Cli.Result created =
                    Cli.against(node.appliance(), "admin-token", "create", "--name", "ops", "--role", "admin");
            secrets.add(created.out().trim());
            Reply joinToken = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\"}");
            secrets.add(joinToken.json().path("token").asText());
            KeyPair key = dev.tandem.appliance.pki.CertificateAuthority.newKeyPair();
            secrets.add(dev.tandem.appliance.pki.PemFiles.pem(new org.bouncycastle.util.io.pem.PemObject(
                            "PRIVATE KEY", key.getPrivate().getEncoded()))
                    .lines()
                    .skip(1)
                    .findFirst()
                    .orElseThrow());
            Reply joined = admin.as(null)
                    .post(
                            "/api/v1/join",
                            new com.fasterxml.jackson.databind.ObjectMapper()
                                    .writeValueAsString(Map.of(
                                            "token",
                                            joinToken.json().path("token").asText(),
                                            "csr",
                                            dev.tandem.appliance.pki.CertificateRequests.pem("edge-9", key))));
            assertThat(joined.status()).isEqualTo(201);
            answers.add(joined.body());
            answers.add(admin.post("/api/v1/apply", CONFIG).body());
            for (String path : List.of(
                    "/api/v1/status",
                    "/api/v1/audit",
                    "/api/v1/admin-tokens",
                    "/api/v1/certificates",
                    "/api/v1/revisions",
                    "/api/v1/revisions/1",
                    "/api/v1/bootstrap?group=edge",
                    "/metrics")) {
                answers.add(admin.get(path).body());
            }
            answers.add(admin.as("tdm_" + secrets.get(0).substring(4, 10) + "x".repeat(37))
                    .get("/api/v1/status")
                    .body());
            node.appliance().restart();
            log.lines().forEach(answers::add);
            assertThat(log.lines()).isNotEmpty();
        }
        assertThat(secrets).hasSize(6).allMatch(secret -> secret.length() > 20);
        for (String secret : secrets) {
            assertThat(answers).noneMatch(text -> text.contains(secret));
        }
        assertThat(answers).noneMatch(text -> text.contains("PRIVATE KEY"));
    }

    private static String keyBody(Path file) throws IOException {
        return Files.readString(file).lines().skip(1).findFirst().orElseThrow();
    }

    private static JsonNode create(AdminHttp admin, String name, String role) {
        return admin.post("/api/v1/admin-tokens", "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}")
                .json();
    }
}
