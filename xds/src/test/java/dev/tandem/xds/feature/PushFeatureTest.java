package dev.tandem.xds.feature;

import static dev.tandem.xds.feature.XdsHarness.QUIET;
import static dev.tandem.xds.feature.XdsHarness.config;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a publish sends over state-of-the-world: only the types that changed, of a route table or
 * assignments only the resources that changed, nothing to a data plane that reconnects saying what
 * it has, and nothing at all for a publish that changes nothing.
 */
class PushFeatureTest {

    private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    private static final String RDS = Resources.V3.ROUTE_TYPE_URL;
    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
    private static final String EDGE = config("edge");
    /** Upstream a's endpoint moves to another port: only assignment upstream:a changes. */
    private static final String A_MOVED = EDGE.replace("port: 8081", "port: 8091");

    private static final String[] ASSIGNMENTS = {"upstream:a", "upstream:b"};

    @RegisterExtension
    final XdsHarness xds = new XdsHarness();

    /** Subscribes as Envoy does (clusters, their assignments, listeners, their route table) and ACKs each answer. */
    private SotwStream envoyHoldingAll(TestDataPlane envoy) throws Exception {
        SotwStream stream = envoy.sotw();
        stream.subscribe(CDS);
        stream.ack(stream.next());
        stream.subscribe(EDS, ASSIGNMENTS);
        DiscoveryResponse assignments = stream.next();
        assertThat(assignmentNames(assignments)).containsExactly(ASSIGNMENTS);
        stream.ack(assignments);
        stream.subscribe(LDS);
        stream.ack(stream.next());
        stream.subscribe(RDS, "edge");
        stream.ack(stream.next());
        return stream;
    }

    @Test
    void anEndpointMoveSendsOnlyTheChangedAssignment() throws Exception {
        xds.publish(EDGE);
        SotwStream envoy = envoyHoldingAll(xds.connect("envoy-1", "edge"));

        xds.publish(A_MOVED);
        DiscoveryResponse moved = envoy.next();
        assertThat(moved.getTypeUrl()).isEqualTo(EDS);
        assertThat(assignmentNames(moved)).containsExactly("upstream:a");
        ClusterLoadAssignment a = moved.getResources(0).unpack(ClusterLoadAssignment.class);
        assertThat(a.getEndpoints(0)
                        .getLbEndpoints(0)
                        .getEndpoint()
                        .getAddress()
                        .getSocketAddress()
                        .getPortValue())
                .isEqualTo(8091);
        assertThat(envoy.poll(QUIET))
                .as("another type or assignment pushed with it")
                .isEmpty();
    }

    @Test
    void aRouteChangeSendsOnlyTheRouteTable() throws Exception {
        xds.publish(EDGE);
        SotwStream envoy = envoyHoldingAll(xds.connect("envoy-1", "edge"));

        xds.publish(EDGE.replace("pathPrefix: /orders", "pathPrefix: /orders/v1"));
        DiscoveryResponse routes = envoy.next();
        assertThat(routes.getTypeUrl()).isEqualTo(RDS);
        assertThat(routes.getResources(0).unpack(RouteConfiguration.class).getName())
                .isEqualTo("edge");
        assertThat(envoy.poll(QUIET)).as("another type pushed with the routes").isEmpty();
    }

    @Test
    void anIdenticalPublishSendsNothing() throws Exception {
        xds.publish(EDGE);
        SotwStream envoy = envoyHoldingAll(xds.connect("envoy-1", "edge"));

        xds.publish("# the same config, a new comment\n" + EDGE);
        assertThat(envoy.poll(QUIET)).as("pushed although nothing changed").isEmpty();
    }

    @Test
    void aReconnectWithTheAckedVersionIsSentNothingAndThenOnlyWhatChanges() throws Exception {
        xds.publish(EDGE);
        TestDataPlane process = xds.connect("envoy-2", "edge");
        SotwStream envoy = process.sotw();
        envoy.subscribe(EDS, ASSIGNMENTS);
        envoy.ack(envoy.next());
        xds.publish(A_MOVED);
        DiscoveryResponse moved = envoy.next();
        envoy.ack(moved);
        // Once the listeners are answered the ACK is on record: the reconnect is one with the ACKed version.
        envoy.roundTrip(LDS);
        process.close();

        SotwStream again = xds.connect("envoy-2", "edge").sotw();
        again.resume(EDS, moved.getVersionInfo(), ASSIGNMENTS);
        // A re-send in answer to the reconnect would come before the listeners.
        again.roundTrip(LDS);
        assertThat(again.poll(QUIET)).as("re-sent although it has it").isEmpty();

        xds.publish(A_MOVED.replace("port: 8082", "port: 8092"));
        assertThat(assignmentNames(again.next())).containsExactly("upstream:b");
    }

    private static List<String> assignmentNames(DiscoveryResponse response) throws InvalidProtocolBufferException {
        List<String> names = new ArrayList<>();
        for (Any any : response.getResourcesList()) {
            names.add(any.unpack(ClusterLoadAssignment.class).getClusterName());
        }
        return names;
    }
}
