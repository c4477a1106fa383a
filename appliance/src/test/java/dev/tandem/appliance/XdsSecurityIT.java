package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.LogCapture;
import dev.tandem.appliance.testing.RawAdsClient;
import dev.tandem.appliance.testing.RunningAppliance;
import dev.tandem.appliance.testing.TestPki;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The xDS port is mTLS: a data plane needs a certificate of the cluster CA, valid now, not revoked,
 * carrying the identity of the node group it asks for and of the node id it names. Each refusal is named in the log, counted in
 * {@code tandem_xds_refusals_total{reason}}, and nothing is served.
 */
class XdsSecurityIT {

    /** {@code mesh} and a second group, {@code secret-mesh}, that mesh's nodes must not read. */
    private static final String CONFIG = dev.tandem.appliance.testing.Gateways.MESH + """
            ---
            kind: Gateway
            metadata: {name: secret-mesh}
            spec: {nodeGroup: secret-mesh, dataPlane: proxyless-grpc}
            ---
            kind: Route
            metadata: {name: payroll}
            spec: {gateways: [secret-mesh], hosts: [payroll], to: {upstream: a}}
            """;

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("security-it").applying(CONFIG);

    @Test
    void aDataPlaneWithItsGroupsCertificateIsServed() throws Exception {
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "mesh-1", "mesh")) {
            assertThat(client.nextSotwAfter(listenerRequest(client, "greeter")).getResourcesCount())
                    .isEqualTo(1);
        }
    }

    @Test
    void aNodeCannotAskForAnotherGroupsConfig() throws Exception {
        try (LogCapture log = LogCapture.start();
                RawAdsClient thief = new RawAdsClient(
                        node.xdsPort(),
                        "mesh-2",
                        "secret-mesh",
                        TestPki.dataPlane("mesh-2", "mesh").credentials())) {
            Status refused = thief.refusal(listenerRequest(thief, "payroll"), WAIT);
            assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(refused.getDescription())
                    .isEqualTo("node 'mesh-2' asks for node group 'secret-mesh' but its certificate "
                            + "is for 'mesh' (spiffe://tandem/group/mesh/node/mesh-2)");
            assertThat(log.lines())
                    .anyMatch(line -> line.contains("refused (group-mismatch)") || line.contains("group-mismatch"));
        }
        // Delta too.
        try (RawAdsClient thief = new RawAdsClient(
                node.xdsPort(),
                "mesh-3",
                "secret-mesh",
                TestPki.dataPlane("mesh-3", "mesh").credentials())) {
            thief.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(thief.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNamesSubscribe("payroll")
                    .build());
            assertThat(thief.awaitFailure(WAIT, false).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        assertThat(refusals("group-mismatch")).isEqualTo(2);
        assertThat(node.admin().dataPlane("mesh-2").isMissingNode()).isTrue();
    }

    @Test
    void aNodeCannotSpeakForAnotherNodeOfItsGroup() throws Exception {
        TestPki.ClientCertificate mesh6 = TestPki.dataPlane("mesh-6", "mesh");
        try (LogCapture log = LogCapture.start();
                RawAdsClient impostor = new RawAdsClient(node.xdsPort(), "mesh-victim", "mesh", mesh6.credentials())) {
            Status refused = impostor.refusal(listenerRequest(impostor, "greeter"), WAIT);
            assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(refused.getDescription())
                    .startsWith("node id 'mesh-victim' is not the node id 'mesh-6' its certificate "
                            + "'" + mesh6.certificate().getSubjectX500Principal() + "' (serial " + mesh6.serial()
                            + ", issuer '" + TestPki.ca().getSubjectX500Principal()
                            + "') names (spiffe://tandem/group/mesh/node/mesh-6)");
            assertThat(log.lines()).anyMatch(line -> line.contains("node-id-mismatch") && line.contains("mesh-victim"));
        }
        // Delta, and a node that changes its id on a stream it was served on.
        try (RawAdsClient turncoat = new RawAdsClient(node.xdsPort(), "mesh-6", "mesh", mesh6.credentials())) {
            turncoat.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(turncoat.node())
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNamesSubscribe("greeter")
                    .build());
            assertThat(turncoat.nextDelta().getResourcesCount()).isEqualTo(1);
            turncoat.sendDelta(DeltaDiscoveryRequest.newBuilder()
                    .setNode(turncoat.node().toBuilder().setId("mesh-victim"))
                    .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                    .build());
            Status ended = turncoat.awaitFailure(WAIT, true);
            assertThat(ended.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(ended.getDescription()).startsWith("node id 'mesh-victim' is not the node id 'mesh-6'");
        }
        assertThat(refusals("node-id-mismatch")).isEqualTo(2);
        assertThat(node.admin().dataPlane("mesh-victim").isMissingNode()).isTrue();
    }

    /**
     * What the TLS handshake itself tells a client whose certificate is refused (a JDK TLS client,
     * as {@code openssl s_client -cert} would): the alert that names the problem, not internal_error.
     */
    @Test
    void aRefusedCertificateHearsTheAlertThatNamesWhy() throws Exception {
        assertHandshakeAlert(TestPki.fromStranger("mesh-8", "mesh"), "Received fatal alert: unknown_ca");
        assertHandshakeAlert(
                TestPki.issued(
                        "spiffe://tandem/group/mesh/node/old-2",
                        "old-2",
                        Instant.now().minus(Duration.ofDays(3)),
                        Duration.ofDays(1)),
                "Received fatal alert: certificate_expired");
        assertThat(refusals("untrusted-certificate")).isEqualTo(1);
        assertThat(refusals("expired-certificate")).isEqualTo(1);
    }

    /** The TLS error a client presenting {@code certificate} gets, offering ALPN h2 as a gRPC client does. */
    private void assertHandshakeAlert(TestPki.ClientCertificate certificate, String alert) throws Exception {
        try (SSLSocket socket = (SSLSocket)
                TestPki.clientTls(certificate).getSocketFactory().createSocket("127.0.0.1", node.xdsPort())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.setSoTimeout((int) WAIT.toMillis());
            // TLS 1.3: the server checks the client's certificate after the client's Finished, so the
            // alert may only arrive at the first read.
            assertThatThrownBy(() -> {
                        socket.startHandshake();
                        socket.getInputStream().read();
                    })
                    .isInstanceOf(SSLException.class)
                    .hasMessageContaining(alert);
        }
    }

    @Test
    void noClientCertificateIsRefusedWithTheReason() throws Exception {
        try (RawAdsClient anonymous =
                new RawAdsClient(node.xdsPort(), "anon-1", "mesh", TestPki.withoutCertificate())) {
            Status refused = anonymous.refusal(listenerRequest(anonymous, "greeter"), WAIT);
            assertThat(refused.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(refused.getDescription()).contains("presented no client certificate");
        }
        assertThat(refusals("no-client-certificate")).isEqualTo(1);
    }

    @Test
    void plaintextGetsNothing() throws Exception {
        try (RawAdsClient plaintext =
                new RawAdsClient(node.xdsPort(), "plain-1", "mesh", InsecureChannelCredentials.create())) {
            assertThat(plaintext
                            .refusal(listenerRequest(plaintext, "greeter"), WAIT)
                            .getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE);
        }
    }

    @Test
    void aCertificateOfAnotherCaFailsTheHandshakeAndIsNamedInTheLog() throws Exception {
        try (LogCapture log = LogCapture.start();
                RawAdsClient stranger = new RawAdsClient(
                        node.xdsPort(),
                        "mesh-4",
                        "mesh",
                        TestPki.fromStranger("mesh-4", "mesh").credentials())) {
            assertThat(stranger.refusal(listenerRequest(stranger, "greeter"), WAIT)
                            .getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(refusals("untrusted-certificate")).isEqualTo(1);
            assertThat(log.lines())
                    .anyMatch(line -> line.contains("untrusted-certificate")
                            && line.contains("CN=mesh-4")
                            && line.contains("does not chain to the cluster CA"));
        }
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        TestPki.ClientCertificate expired = TestPki.issued(
                "spiffe://tandem/group/mesh/node/old-1",
                "old-1",
                Instant.now().minus(Duration.ofDays(3)),
                Duration.ofDays(1));
        try (LogCapture log = LogCapture.start();
                RawAdsClient old = new RawAdsClient(node.xdsPort(), "old-1", "mesh", expired.credentials())) {
            assertThat(old.refusal(listenerRequest(old, "greeter"), WAIT).getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(refusals("expired-certificate")).isEqualTo(1);
            assertThat(log.lines())
                    .anyMatch(line -> line.contains("expired-certificate") && line.contains("expired at"));
        }
    }

    @Test
    void aCertificateWithoutThisClustersIdentityIsRefused() throws Exception {
        TestPki.ClientCertificate foreign =
                TestPki.issued("spiffe://other-cluster/group/mesh/node/x-1", "x-1", Instant.now(), Duration.ofDays(1));
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "x-1", "mesh", foreign.credentials())) {
            Status refused = client.refusal(listenerRequest(client, "greeter"), WAIT);
            assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(refused.getDescription()).contains("carries no data-plane identity of cluster 'tandem'");
        }
        assertThat(refusals("no-identity")).isEqualTo(1);
    }

    @Test
    void theFirstRequestMustNameItsNode() throws Exception {
        try (RawAdsClient client = new RawAdsClient(node.xdsPort(), "mesh-5", "mesh")) {
            Status refused = client.refusal(
                    DiscoveryRequest.newBuilder()
                            .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                            .addResourceNames("greeter")
                            .build(),
                    WAIT);
            assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(refused.getDescription()).startsWith("the first request on a stream must name its node");
        }
    }

    @Test
    void statusAndMetricsSayTheXdsPortIsMutualTls() {
        AdminHttp admin = node.admin();
        assertThat(admin.get("/api/v1/status")
                        .json()
                        .path("security")
                        .path("xds")
                        .asText())
                .isEqualTo("mtls");
        assertThat(admin.get("/metrics").body())
                .contains("tandem_xds_insecure 0.0")
                .contains("tandem_certificate_expiry_seconds{certificate=\"server\"}")
                .contains("tandem_certificate_expiry_seconds{certificate=\"ca\"}");
    }

    @Test
    void insecureIsExplicitLoudAndShown(@TempDir Path dir) throws Exception {
        ApplianceConfig config = new ApplianceConfig(
                "insecure-it",
                dir.resolve("data"),
                new ApplianceConfig.Endpoint("127.0.0.1", 0),
                new ApplianceConfig.Endpoint("127.0.0.1", 0),
                Optional.empty(),
                List.of(),
                TestPki.settings("insecure-it"),
                true);
        try (LogCapture log = LogCapture.start();
                RunningAppliance insecure = RunningAppliance.start(config)) {
            AdminHttp admin = insecure.admin();
            assertThat(admin.post("/api/v1/apply", CONFIG).status()).isEqualTo(201);
            try (RawAdsClient plaintext =
                    new RawAdsClient(insecure.xdsPort(), "plain-2", "mesh", InsecureChannelCredentials.create())) {
                assertThat(plaintext
                                .nextSotwAfter(listenerRequest(plaintext, "greeter"))
                                .getResourcesCount())
                        .isEqualTo(1);
            }
            JsonNode security = admin.get("/api/v1/status").json().path("security");
            assertThat(security.path("xds").asText()).isEqualTo("insecure");
            assertThat(security.path("warning").asText())
                    .contains("anyone who can connect reads every node group's config");
            assertThat(admin.get("/metrics").body()).contains("tandem_xds_insecure 1.0");
            assertThat(log.lines())
                    .anyMatch(line -> line.startsWith("WARNING") && line.contains("INSECURE (xds.insecure: true)"));
        }
    }

    private long refusals(String reason) {
        String metrics = node.admin().get("/metrics").body();
        String prefix = "tandem_xds_refusals_total{reason=\"" + reason + "\"} ";
        return metrics.lines()
                .filter(l -> l.startsWith(prefix))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length())))
                .findFirst()
                .orElse(0);
    }

    private static DiscoveryRequest listenerRequest(RawAdsClient client, String name) {
        return DiscoveryRequest.newBuilder()
                .setNode(client.node())
                .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                .addResourceNames(name)
                .build();
    }
}
