package dev.tandem.xds.feature;

import static dev.tandem.xds.feature.XdsHarness.QUIET;
import static dev.tandem.xds.feature.XdsHarness.config;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Delta ADS: what a client is sent, what its ACK records, and what a client that reconnects is sent again. */
class DeltaFeatureTest {

    private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String TWO = config("mesh-two-upstreams");
    /** Upstream b's connect timeout changes: only cluster upstream:b. */
    private static final String B_CHANGED = TWO.replace(
            "connectTimeout: 1s, endpoints: [{address: 127.0.0.1, port: 9002}]",
            "connectTimeout: 3s, endpoints: [{address: 127.0.0.1, port: 9002}]");
    /** Then upstream a's: only cluster upstream:a. */
    private static final String A_CHANGED_TOO = B_CHANGED.replace(
            "connectTimeout: 1s, endpoints: [{address: 127.0.0.1, port: 9001}]",
            "connectTimeout: 4s, endpoints: [{address: 127.0.0.1, port: 9001}]");

    @RegisterExtension
    final XdsHarness xds = new XdsHarness();

    @Test
    void aDeltaClientIsServedAndItsAckRecorded() throws Exception {
        String listeners = xds.publish(config("mesh")).get("mesh").versionOf(XdsType.LISTENERS);
        DeltaStream client = xds.connect("delta-1", "mesh").delta();
        client.subscribe(LDS, "greeter");
        DeltaDiscoveryResponse response = client.next();
        assertThat(response.getSystemVersionInfo()).isEqualTo(listeners);
        assertThat(response.getResourcesList()).singleElement().satisfies(r -> {
            assertThat(r.getName()).isEqualTo("greeter");
            assertThat(r.getResource().unpack(Listener.class).hasApiListener()).isTrue();
        });

        client.ack(response);
        // Once the clusters are answered, the ACK is on record.
        client.roundTrip(CDS);
        assertThat(xds.service().connectedDataPlanes()).singleElement().satisfies(plane -> {
            assertThat(plane.nodeId()).isEqualTo("delta-1");
            assertThat(plane.protocol()).isEqualTo("delta");
            assertThat(plane.acked()).containsEntry("listeners", listeners);
        });
    }

    /** The versions of the clusters a first process of node delta-back accepted, by name; that process is gone. */
    private Map<String, String> clustersOfAProcessThatWentAway(String... names) throws Exception {
        TestDataPlane process = xds.connect("delta-back", "mesh");
        DeltaStream first = process.delta();
        first.subscribe(CDS, names);
        DeltaDiscoveryResponse clusters = first.next();
        Map<String, String> had = new HashMap<>();
        clusters.getResourcesList().forEach(r -> had.put(r.getName(), r.getVersion()));
        assertThat(had).containsOnlyKeys("upstream:a", "upstream:b");
        first.ack(clusters);
        process.close();
        return had;
    }

    @Test
    void aReconnectNamingWhatItHasIsSentNothingAndHoldsTheCurrentVersion() throws Exception {
        String clusters = xds.publish(TWO).get("mesh").versionOf(XdsType.CLUSTERS);
        Map<String, String> had = clustersOfAProcessThatWentAway("upstream:a", "upstream:b");

        DeltaStream again = xds.connect("delta-back", "mesh").delta();
        again.resume(CDS, had, "upstream:a", "upstream:b");
        again.roundTrip(LDS, "greeter");
        assertThat(again.poll(QUIET)).as("sent again although it has it").isEmpty();
        // Nothing was sent, so no ACK came: what it said it has is what the status shows (a data plane that moved
        // to another peer would show nothing otherwise).
        assertThat(xds.service().connectedDataPlanes())
                .singleElement()
                .satisfies(plane -> assertThat(plane.acked()).containsEntry("clusters", clusters));
    }

    @Test
    void aReconnectWithAnOlderResourceVersionHoldsNothingUntilItAcksWhatIsSent() throws Exception {
        xds.publish(TWO);
        Map<String, String> had = clustersOfAProcessThatWentAway();
        String changed = xds.publish(B_CHANGED).get("mesh").versionOf(XdsType.CLUSTERS);

        DeltaStream again = xds.connect("delta-back", "mesh").delta();
        again.resume(CDS, had);
        DeltaDiscoveryResponse sent = again.next();
        assertThat(sent.getResourcesList()).extracting(Resource::getName).containsExactly("upstream:b");
        assertThat(xds.service().connectedDataPlanes())
                .singleElement()
                .satisfies(plane -> assertThat(plane.acked()).doesNotContainKey("clusters"));
        again.ack(sent);
        again.roundTrip(LDS, "greeter");
        assertThat(xds.service().connectedDataPlanes())
                .singleElement()
                .satisfies(plane -> assertThat(plane.acked()).containsEntry("clusters", changed));
    }

    @Test
    void aReconnectWithInitialResourceVersionsIsSentOnlyWhatDiffers() throws Exception {
        String clusters = xds.publish(TWO).get("mesh").versionOf(XdsType.CLUSTERS);
        Map<String, String> had = clustersOfAProcessThatWentAway();

        DeltaStream again = xds.connect("delta-back", "mesh").delta();
        again.resume(CDS, had);
        // A re-send in answer to the reconnect would come before the listeners.
        again.roundTrip(LDS, "greeter");
        assertThat(again.poll(QUIET)).as("sent again although it has it").isEmpty();
        assertThat(xds.service().connectedDataPlanes())
                .singleElement()
                .satisfies(plane -> assertThat(plane.acked()).containsEntry("clusters", clusters));

        xds.publish(B_CHANGED);
        DeltaDiscoveryResponse changed = again.next();
        assertThat(changed.getResourcesList()).extracting(Resource::getName).containsExactly("upstream:b");
        again.ack(changed);
        // The client said it has upstream:a, which this stream never sent: a change of it is sent alone.
        xds.publish(A_CHANGED_TOO);
        assertThat(again.next().getResourcesList())
                .extracting(Resource::getName)
                .containsExactly("upstream:a");
    }
}
