package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.bootstrap.EnvoyBootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bootstraps in samples/ are this command's output, and Envoy's own protos read them back. */
class BootstrapCommandTest {

    private static final String QUICKSTART = "../samples/quickstart/tandem.yaml";

    @TempDir
    Path dir;

    @Test
    void theSampleBootstrapsAreGeneratedByTheCommand() throws Exception {
        assertThat(run("bootstrap", "--node-group", "edge", "--node-id", "edge-1", "--config", QUICKSTART))
                .isEqualTo("0|" + Files.readString(Path.of("../samples/quickstart/envoy-bootstrap.yaml")));
        assertThat(run(
                        "bootstrap",
                        "--format",
                        "grpc",
                        "--node-group",
                        "grpc-clients",
                        "--node-id",
                        "greeter-client-1",
                        "--region",
                        "site-a",
                        "--zone",
                        "a1",
                        "--config",
                        QUICKSTART))
                .isEqualTo("0|" + Files.readString(Path.of("../samples/quickstart/grpc-bootstrap.json")));
    }

    @Test
    void everyPeerIsAnEndpointOfTheHealthCheckedXdsCluster() throws Exception {
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, """
                node: {id: tandem-a}
                peers:
                  - {name: tandem-b, address: 10.0.1.5, port: 18000}
                  - {name: tandem-a, address: 10.0.0.5, port: 18000}
                """);
        Path out = dir.resolve("envoy.yaml");
        assertThat(run(
                        "bootstrap",
                        "--node-group",
                        "edge",
                        "--node-id",
                        "e1",
                        "--config",
                        config.toString(),
                        "--out",
                        out.toString()))
                .isEqualTo("0|");
        Bootstrap bootstrap = EnvoyBootstrap.parseYaml(Files.readString(out));
        assertThat(bootstrap.getNode().getCluster()).isEqualTo("edge");
        Cluster xds = bootstrap.getStaticResources().getClusters(0);
        assertThat(xds.getName()).isEqualTo("xds_cluster");
        assertThat(xds.getLoadAssignment().getEndpoints(0).getLbEndpointsList())
                .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
                .containsExactly("10.0.0.5", "10.0.1.5");
        assertThat(xds.getHealthChecks(0).hasGrpcHealthCheck()).isTrue();
        assertThat(bootstrap.getDynamicResources().getAdsConfig().getGrpcServicesCount())
                .isEqualTo(1);
        // mTLS to the peers: the data plane's certificate files, and each peer must present its address.
        var tls = xds.getTransportSocket()
                .getTypedConfig()
                .unpack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class)
                .getCommonTlsContext();
        assertThat(tls.getTlsCertificates(0).getCertificateChain().getFilename())
                .isEqualTo("/etc/tandem/xds-client/client.pem");
        assertThat(tls.getValidationContext().getTrustedCa().getFilename()).isEqualTo("/etc/tandem/xds-client/ca.pem");
        assertThat(tls.getValidationContext().getMatchTypedSubjectAltNamesList())
                .extracting(m -> m.getMatcher().getExact())
                .containsExactly("10.0.0.5", "10.0.1.5");
    }

    @Test
    void anInsecureClusterGetsPlaintextBootstraps() throws Exception {
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, "node: {id: tandem-a}\nxds: {insecure: true}\n");
        Path out = dir.resolve("envoy.yaml");
        assertThat(run(
                        "bootstrap",
                        "--node-group",
                        "edge",
                        "--node-id",
                        "e1",
                        "--config",
                        config.toString(),
                        "--out",
                        out.toString()))
                .isEqualTo("0|");
        assertThat(EnvoyBootstrap.parseYaml(Files.readString(out))
                        .getStaticResources()
                        .getClusters(0)
                        .hasTransportSocket())
                .isFalse();
        assertThat(run(
                        "bootstrap",
                        "--format",
                        "grpc",
                        "--node-group",
                        "edge",
                        "--node-id",
                        "e1",
                        "--config",
                        config.toString()))
                .contains("\"type\": \"insecure\"");
    }

    @Test
    void aMissingApplianceConfigIsNamed() {
        assertThat(run(
                        "bootstrap",
                        "--node-group",
                        "edge",
                        "--config",
                        dir.resolve("none.yaml").toString()))
                .startsWith("3|tandem bootstrap: config file ")
                .endsWith("none.yaml does not exist\n");
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(out))
                .execute(args);
        return exit + "|" + out;
    }
}
