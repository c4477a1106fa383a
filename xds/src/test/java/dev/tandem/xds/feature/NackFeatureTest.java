package dev.tandem.xds.feature;

import static dev.tandem.xds.feature.XdsHarness.QUIET;
import static dev.tandem.xds.feature.XdsHarness.config;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.serve.DataPlaneStatus;
import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A version a node rejected is not sent to that node again (java-control-plane alone would re-send it
 * at once, thousands of times a second): not on the stream, not after the node reconnects saying what
 * it accepted. A new process of the node may try it once. The next revision reaches it.
 */
class NackFeatureTest {

    private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String MESH = config("mesh");
    /** Revision 2 adds a listener: a new listeners version. */
    private static final String MESH_2 = MESH.replace("hosts: [greeter]", "hosts: [greeter, hello]");

    private static final String MESH_3 = MESH.replace("hosts: [greeter]", "hosts: [greeter, hello, hi]");

    @RegisterExtension
    final XdsHarness xds = new XdsHarness();

    /** Node picky-1's process and stream, and the listeners versions it accepted (revision 1) and rejected (revision 2). */
    private record Nacked(TestDataPlane process, SotwStream stream, String accepted, String rejected) {}

    /** picky-1 accepts revision 1's listeners and rejects revision 2's; the server has handled the NACK. */
    private Nacked pickyNacksRevision2() throws Exception {
        String accepted = xds.publish(MESH).get("mesh").versionOf(XdsType.LISTENERS);
        TestDataPlane process = xds.connect("picky-1", "mesh");
        SotwStream picky = process.sotw();
        picky.subscribe(LDS);
        DiscoveryResponse first = picky.next();
        assertThat(first.getVersionInfo()).isEqualTo(accepted);
        picky.ack(first);

        String rejected = xds.publish(MESH_2).get("mesh").versionOf(XdsType.LISTENERS);
        DiscoveryResponse second = picky.next();
        assertThat(second.getVersionInfo()).isEqualTo(rejected);
        picky.nack(second, "no thanks");
        // Once the clusters are answered the NACK is on record; a re-send in answer to it would have come first.
        picky.roundTrip(CDS);
        return new Nacked(process, picky, accepted, rejected);
    }

    @Test
    void aNackedVersionIsNotSentAgainOnTheStream() throws Exception {
        SotwStream picky = pickyNacksRevision2().stream();

        assertThat(picky.poll(QUIET)).as("re-sent after the NACK").isEmpty();
        assertThat(xds.service().heldRequests()).as("the NACK's request, held").isEqualTo(1);
    }

    @Test
    void aNackIsRecordedWithItsDetail() throws Exception {
        Nacked nacked = pickyNacksRevision2();

        assertThat(xds.service().nackTotal()).isEqualTo(1);
        assertThat(xds.service().connectedDataPlanes()).singleElement().satisfies(plane -> {
            assertThat(plane.nodeId()).isEqualTo("picky-1");
            assertThat(plane.nodeGroup()).isEqualTo("mesh");
            assertThat(plane.protocol()).isEqualTo("sotw");
            assertThat(plane.acked()).containsEntry("listeners", nacked.accepted());
            assertThat(plane.nacks()).isEqualTo(1);
            DataPlaneStatus.Nack nack = plane.lastNack();
            assertThat(nack.type()).isEqualTo("listeners");
            assertThat(nack.rejectedVersion()).isEqualTo(nacked.rejected());
            assertThat(nack.detail()).isEqualTo("no thanks");
        });
    }

    @Test
    void aNackedVersionIsNotSentAfterTheNodeReconnectsWithWhatItAccepted() throws Exception {
        Nacked nacked = pickyNacksRevision2();
        nacked.process().close();

        SotwStream again = xds.connect("picky-1", "mesh").sotw();
        again.resume(LDS, nacked.accepted());
        // A re-send in answer to the reconnect would come before the clusters.
        again.roundTrip(CDS);
        assertThat(again.poll(QUIET)).as("sent after reconnecting").isEmpty();
    }

    @Test
    void aNewProcessOfTheNodeIsSentTheNackedVersionOnceAndItsNackHoldsItAgain() throws Exception {
        Nacked nacked = pickyNacksRevision2();
        nacked.process().close();

        // Nothing accepted yet: the new process may try it once.
        SotwStream restarted = xds.connect("picky-1", "mesh").sotw();
        restarted.subscribe(LDS);
        DiscoveryResponse once = restarted.next();
        assertThat(once.getVersionInfo()).isEqualTo(nacked.rejected());

        restarted.nack(once, "still no");
        restarted.roundTrip(CDS);
        assertThat(restarted.poll(QUIET))
                .as("re-sent after the new process's NACK")
                .isEmpty();
    }

    @Test
    void aNewRevisionReachesTheNodeThatNacked() throws Exception {
        Nacked nacked = pickyNacksRevision2();

        String third = xds.publish(MESH_3).get("mesh").versionOf(XdsType.LISTENERS);
        DiscoveryResponse next = nacked.stream().next();
        assertThat(next.getVersionInfo()).isEqualTo(third).isNotEqualTo(nacked.rejected());
        assertThat(next.getResourcesCount()).isEqualTo(3);
        assertThat(xds.service().heldRequests()).isZero();
    }

    @Test
    void aDeltaNackIsNotAnsweredWithTheSameResources() throws Exception {
        xds.publish(MESH);
        DeltaStream picky = xds.connect("delta-picky", "mesh").delta();
        picky.subscribe(LDS, "greeter");
        DeltaDiscoveryResponse listeners = picky.next();
        assertThat(listeners.getResourcesList()).extracting(Resource::getName).containsExactly("greeter");

        picky.nack(listeners, "no thanks");
        picky.roundTrip(CDS);
        assertThat(picky.poll(QUIET)).as("re-sent after the NACK").isEmpty();
        assertThat(xds.service().nackTotal()).isEqualTo(1);
    }
}
