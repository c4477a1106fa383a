package dev.tandem.xds.feature;

import static dev.tandem.xds.feature.XdsHarness.QUIET;
import static dev.tandem.xds.feature.XdsHarness.config;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.serve.RolloutHalt;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.snapshot.XdsType;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node group with {@code rollout.haltOnNack}: the first NACK of a revision halts its rollout. Nodes
 * that do not have the revision are not sent what it changed (they keep their config), while what it
 * did not change still reaches new nodes. The next revision lifts the halt.
 */
class RolloutHaltFeatureTest {

    private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
    private static final String HALTING = config("mesh-halting");

    @RegisterExtension
    final XdsHarness xds = new XdsHarness();

    /** Publishes the halting group with the upstream's connect timeout: each timeout changes the clusters only. */
    private GroupSnapshot publish(String connectTimeout) throws Exception {
        return xds.publish(HALTING.replace("connectTimeout: 1s", "connectTimeout: " + connectTimeout))
                .get("mesh");
    }

    /** Node early-1's stream, and revision 2 of the group, whose clusters early-1 rejected. */
    private record Halted(SotwStream early, GroupSnapshot revision2) {}

    /** Node early-1 accepts revision 1's clusters and rejects revision 2's. */
    private Halted earlyNacksRevision2() throws Exception {
        publish("1s");
        SotwStream early = xds.connect("early-1", "mesh").sotw();
        early.subscribe(CDS, "upstream:a");
        early.ack(early.next());

        GroupSnapshot revision2 = publish("2s");
        DiscoveryResponse second = early.next();
        assertThat(second.getVersionInfo()).isEqualTo(revision2.versionOf(XdsType.CLUSTERS));
        early.nack(second, "connect timeout not allowed");
        // Once the listeners are answered, the NACK is on record.
        early.roundTrip(LDS, "greeter");
        return new Halted(early, revision2);
    }

    @Test
    void aNackHaltsTheRolloutOfAGroupThatHaltsOnNack() throws Exception {
        earlyNacksRevision2();

        RolloutHalt halt =
                xds.service().halt("mesh").orElseThrow(() -> new AssertionError("the rollout is not halted"));
        assertThat(halt.revision()).isEqualTo(2);
        assertThat(halt.nodeId()).isEqualTo("early-1");
        assertThat(halt.type()).isEqualTo("clusters");
        assertThat(halt.detail()).isEqualTo("connect timeout not allowed");
        assertThat(halt.heldTypes()).as("what revision 2 changed").containsExactly("clusters");
    }

    @Test
    void aNodeWithoutTheHaltedRevisionIsNotSentWhatItChanged() throws Exception {
        earlyNacksRevision2();

        SotwStream late = xds.connect("late-1", "mesh").sotw();
        late.subscribe(CDS, "upstream:a");
        late.roundTrip(LDS, "greeter");
        assertThat(late.poll(QUIET)).as("clusters sent while halted").isEmpty();
        assertThat(xds.service().heldRequests())
                .as("early-1's NACK and late-1's clusters request")
                .isEqualTo(2);
    }

    @Test
    void whatTheHaltedRevisionDidNotChangeStillReachesNewNodes() throws Exception {
        GroupSnapshot served = earlyNacksRevision2().revision2();

        SotwStream late = xds.connect("late-1", "mesh").sotw();
        late.subscribe(LDS, "greeter");
        assertThat(late.next().getVersionInfo()).isEqualTo(served.versionOf(XdsType.LISTENERS));
        late.subscribe(EDS, "upstream:a");
        assertThat(late.next().getVersionInfo()).isEqualTo(served.versionOf(XdsType.ENDPOINTS));
    }

    @Test
    void aNewRevisionLiftsTheHalt() throws Exception {
        SotwStream early = earlyNacksRevision2().early();
        SotwStream late = xds.connect("late-1", "mesh").sotw();
        late.subscribe(CDS, "upstream:a");
        late.roundTrip(LDS, "greeter");

        String fixed = publish("3s").versionOf(XdsType.CLUSTERS);
        assertThat(xds.service().halt("mesh")).isEmpty();
        for (SotwStream stream : new SotwStream[] {late, early}) {
            DiscoveryResponse clusters = stream.next();
            assertThat(clusters.getVersionInfo()).isEqualTo(fixed);
            assertThat(clusters.getResources(0)
                            .unpack(Cluster.class)
                            .getConnectTimeout()
                            .getSeconds())
                    .isEqualTo(3);
        }
        assertThat(xds.service().heldRequests()).isZero();
    }

    @Test
    void aRevisionThatCannotBeSetLeavesTheRolloutHaltedUntilItIs() throws Exception {
        earlyNacksRevision2();
        SotwStream late = xds.connect("late-1", "mesh").sotw();
        late.subscribe(CDS, "upstream:a");
        late.roundTrip(LDS, "greeter");

        xds.failsToSet("mesh");
        String revision3 = HALTING.replace("connectTimeout: 1s", "connectTimeout: 3s");
        assertThat(xds.publishFailing(revision3).groups()).containsExactly("mesh");
        assertThat(xds.service().halt("mesh"))
                .as("the halt the failed revision lifted is back")
                .hasValueSatisfying(h -> assertThat(h.revision()).isEqualTo(2));
        assertThat(late.poll(QUIET)).as("clusters sent while still halted").isEmpty();

        xds.setsAgain("mesh");
        String fixed = xds.publish(revision3).get("mesh").versionOf(XdsType.CLUSTERS);
        assertThat(xds.service().halt("mesh")).isEmpty();
        assertThat(late.next().getVersionInfo()).isEqualTo(fixed);
    }

    @Test
    void aNackInAGroupThatDoesNotHaltOnNackHaltsNothing() throws Exception {
        String mesh = config("mesh");
        xds.publish(mesh);
        SotwStream picky = xds.connect("picky-1", "mesh").sotw();
        picky.subscribe(LDS);
        picky.ack(picky.next());
        String second = xds.publish(mesh.replace("hosts: [greeter]", "hosts: [greeter, hello]"))
                .get("mesh")
                .versionOf(XdsType.LISTENERS);
        picky.nack(picky.next(), "no thanks");
        picky.roundTrip(CDS);

        assertThat(xds.service().halt("mesh")).isEmpty();
        SotwStream other = xds.connect("other-1", "mesh").sotw();
        other.subscribe(LDS);
        assertThat(other.next().getVersionInfo()).isEqualTo(second);
    }
}
