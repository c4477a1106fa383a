package dev.tandem.xds.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.snapshot.ResourcesDocument;
import dev.tandem.xds.translate.GroupResources;
import dev.tandem.xds.translate.Translator;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An exported group read back and turned into a control-plane-free Envoy bootstrap: Envoy's own
 * protos accept it strictly, nothing in it refers to ADS, and it serves the same routes, endpoints
 * (with their failover priorities) and TLS as the control plane did.
 */
class StaticBootstrapTest {

    private static GroupResources group(String input, String group) throws Exception {
        return Translator.translate(
                        ConfigLoader.load(Files.readString(Path.of("src/test/resources/translate/in", input))))
                .get(group);
    }

    @Test
    void theResourcesDocumentReadsBackToTheSameResources() throws Exception {
        GroupResources edge = group("tls-sds.yaml", "edge");
        GroupResources read = ResourcesDocument.read(ResourcesDocument.write(edge));
        assertThat(read.listeners()).isEqualTo(edge.listeners());
        assertThat(read.routes()).isEqualTo(edge.routes());
        assertThat(read.clusters()).isEqualTo(edge.clusters());
        assertThat(read.endpoints()).isEqualTo(edge.endpoints());
        assertThat(read.secrets()).isEqualTo(edge.secrets());
        String wrong = "{\"nodeGroup\": \"x\", \"resources\": {\"listeners\": [{\"@type\": "
                + "\"type.googleapis.com/envoy.config.cluster.v3.Cluster\", \"name\": \"c\"}]}}";
        assertThatThrownBy(() -> ResourcesDocument.read(wrong.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("resources.listeners[0] is not a Listener");
    }

    @Test
    void everythingIsStaticAndEnvoyReadsIt() throws Exception {
        GroupResources edge = group("tls-sds.yaml", "edge");
        String yaml = StaticBootstrap.toYaml(StaticBootstrap.build("edge-9", edge));
        Bootstrap bootstrap = EnvoyBootstrap.parseYaml(yaml);
        assertThat(yaml)
                .doesNotContain("ads")
                .doesNotContain("rds:")
                .doesNotContain("eds_cluster_config")
                .doesNotContain("sds_config");
        assertThat(bootstrap.getNode().getCluster()).isEqualTo("edge");
        assertThat(bootstrap.hasDynamicResources()).isFalse();

        var resources = bootstrap.getStaticResources();
        assertThat(resources.getListenersCount()).isEqualTo(edge.listeners().size());
        for (var listener : resources.getListenersList()) {
            for (var chain : listener.getFilterChainsList()) {
                HttpConnectionManager hcm = chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
                assertThat(hcm.hasRouteConfig()).isTrue();
                assertThat(edge.routes()).contains(hcm.getRouteConfig());
                if (chain.hasTransportSocket()) {
                    var tls = chain.getTransportSocket()
                            .getTypedConfig()
                            .unpack(DownstreamTlsContext.class)
                            .getCommonTlsContext();
                    assertThat(tls.getTlsCertificateSdsSecretConfigs(0).getName())
                            .isEqualTo("gateway-cert");
                    assertThat(tls.getTlsCertificateSdsSecretConfigs(0).hasSdsConfig())
                            .isFalse();
                }
            }
        }
        assertThat(resources.getSecretsList()).isEqualTo(edge.secrets());
        for (Cluster cluster : resources.getClustersList()) {
            assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
            assertThat(edge.endpoints()).contains(cluster.getLoadAssignment());
            if (cluster.hasTransportSocket()) {
                assertThat(cluster.getTransportSocket()
                                .getTypedConfig()
                                .unpack(UpstreamTlsContext.class)
                                .getCommonTlsContext()
                                .getValidationContextSdsSecretConfig()
                                .hasSdsConfig())
                        .isFalse();
            }
        }
    }

    @Test
    void failoverPrioritiesSurvive() throws Exception {
        GroupResources edge = group("envoy-failover.yaml", "edge-eu");
        Bootstrap bootstrap = EnvoyBootstrap.parseYaml(StaticBootstrap.toYaml(StaticBootstrap.build("e", edge)));
        assertThat(bootstrap.getStaticResources().getClustersList())
                .anySatisfy(c -> assertThat(c.getLoadAssignment().getEndpointsList())
                        .extracting(l -> l.getPriority())
                        .contains(0, 1));
    }

    @Test
    void aProxylessGroupIsNotAnEnvoyBootstrap() throws Exception {
        GroupResources mesh = group(
                "proxyless-grpc.yaml",
                Translator.translate(ConfigLoader.load(
                                Files.readString(Path.of("src/test/resources/translate/in/proxyless-grpc.yaml"))))
                        .firstKey());
        assertThatThrownBy(() -> StaticBootstrap.build("g", mesh))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is served to proxyless gRPC clients");
    }
}
