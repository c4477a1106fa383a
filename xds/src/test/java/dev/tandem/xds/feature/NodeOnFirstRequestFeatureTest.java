package dev.tandem.xds.feature;

import static dev.tandem.xds.feature.XdsHarness.config;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * grpc-js, and Envoy with {@code set_node_on_first_message_only}, name the node on a stream's first
 * request only: the stream's later requests are served as that node's.
 */
class NodeOnFirstRequestFeatureTest {

    private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    private static final String RDS = Resources.V3.ROUTE_TYPE_URL;

    @RegisterExtension
    final XdsHarness xds = new XdsHarness();

    @Test
    void aClientThatNamesItsNodeOnlyOnTheFirstRequestIsServedOnLaterRequests() throws Exception {
        String routes = xds.publish(config("mesh")).get("mesh").versionOf(XdsType.ROUTES);
        TestDataPlane terse = xds.connect("terse-1", "mesh");
        SotwStream stream = terse.sotw();
        stream.send(DiscoveryRequest.newBuilder()
                .setNode(terse.node())
                .setTypeUrl(LDS)
                .addResourceNames("greeter")
                .build());
        DiscoveryResponse listeners = stream.next();

        stream.send(DiscoveryRequest.newBuilder()
                .setTypeUrl(LDS)
                .addResourceNames("greeter")
                .setVersionInfo(listeners.getVersionInfo())
                .setResponseNonce(listeners.getNonce())
                .build());
        stream.send(DiscoveryRequest.newBuilder()
                .setTypeUrl(RDS)
                .addResourceNames("greeter")
                .build());
        DiscoveryResponse rds = stream.next();
        assertThat(rds.getTypeUrl()).isEqualTo(RDS);
        assertThat(rds.getVersionInfo()).isEqualTo(routes);
        assertThat(xds.service().connectedDataPlanes())
                .singleElement()
                .satisfies(plane -> assertThat(plane.nodeId()).isEqualTo("terse-1"));
    }
}
