package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.ApplianceExtension;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A data plane joins with a one-time token and a CSR; a token works once and only until it expires. */
class JoinIT {

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("join-it");

    @Test
    void aTokenBuysOneCertificateForItsGroupOnce() throws Exception {
        AdminHttp admin = node.admin();
        Reply created = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"1h\"}");
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().path("token").asText();

        KeyPair key = CertificateAuthority.newKeyPair();
        Reply joined = join(admin.as(null), token, csr("envoy-7", key));
        assertThat(joined.status()).as(joined.body()).isEqualTo(201);
        assertThat(joined.json().path("identity").asText()).isEqualTo("spiffe://tandem/group/edge/node/envoy-7");
        X509Certificate cert = certificate(joined.json().path("certificate").asText());
        X509Certificate ca = certificate(joined.json().path("caBundle").asText());
        cert.verify(ca.getPublicKey());
        assertThat(cert.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(cert.getSubjectAlternativeNames()).extracting(n -> n.get(1).toString())
                .containsExactly("spiffe://tandem/group/edge/node/envoy-7");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()).toDays()).isEqualTo(30);

        Reply reused = join(admin.as(null), token, csr("envoy-8", CertificateAuthority.newKeyPair()));
        assertThat(reused.status()).isEqualTo(401);
        assertThat(reused.json().path("details").get(0).asText()).startsWith("the join token was already used at");

        JsonNode audit = admin.get("/api/v1/audit").json().path("entries");
        assertThat(audit.get(0).path("action").asText()).isEqualTo("certificate-issue");
        assertThat(audit.toString()).doesNotContain(token);
    }

    @Test
    void expiredForgedAndMalformedAreRefusedWithReasons() throws Exception {
        AdminHttp admin = node.admin();
        String shortLived = admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"1s\"}").json().path("token").asText();
        String csr = csr("envoy-9", CertificateAuthority.newKeyPair());
        await().pollDelay(Duration.ofMillis(1100)).atMost(Duration.ofSeconds(10))
                .until(() -> join(admin.as(null), shortLived, csr).status() == 401);
        assertThat(join(admin.as(null), shortLived, csr).json().path("details").get(0).asText())
                .startsWith("the join token expired at");
        assertThat(join(admin.as(null), "tjn_forged", csr).json().path("details").get(0).asText())
                .isEqualTo("the join token is not one this cluster issued");
        Reply badCsr = join(admin.as(null), shortLived, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
        assertThat(badCsr.status()).isEqualTo(400);
        Reply noCn = join(admin.as(null), shortLived, csr("", CertificateAuthority.newKeyPair()));
        assertThat(noCn.status()).isEqualTo(400);
        assertThat(admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"30d\"}").status()).isEqualTo(400);
        assertThat(admin.as(null).post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\"}").status()).isEqualTo(401);
    }

    @Test
    void theCliCreatesJoinTokens() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        int exit = dev.tandem.appliance.cli.TandemCommand.commandLine().setOut(new java.io.PrintWriter(out)).execute("token", "create",
                "--node-group", "mesh", "--ttl", "10m", "--server", node.admin().base(), "--token-file", node.tokenFile().toString());
        assertThat(exit).isZero();
        Reply joined = join(node.admin().as(null), out.toString().trim(), csr("grpc-1", CertificateAuthority.newKeyPair()));
        assertThat(joined.json().path("identity").asText()).isEqualTo("spiffe://tandem/group/mesh/node/grpc-1");
    }

    private static Reply join(AdminHttp http, String token, String csr) throws Exception {
        return http.post("/api/v1/join", new ObjectMapper().writeValueAsString(Map.of("token", token, "csr", csr)));
    }

    private static String csr(String nodeId, KeyPair key) throws Exception {
        X500Name subject = new X500Name(nodeId.isEmpty() ? "O=nobody" : "CN=" + nodeId);
        return PemFiles.pem(new JcaPKCS10CertificationRequestBuilder(subject, key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
