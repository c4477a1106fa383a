package dev.tandem.appliance;

import static dev.tandem.appliance.testing.PeerMembers.revision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.Applies;
import dev.tandem.appliance.testing.FaultyLink;
import dev.tandem.appliance.testing.PeerMembers;
import dev.tandem.appliance.testing.ServeProcess;
import dev.tandem.fallback.testing.S3Server;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the network does to a real pair, through fault-injecting TCP proxies ({@link FaultyLink}):
 * one in front of each peer link, and one between the active and S3 (the standby reaches S3 on
 * its own). Two {@code tandem serve} processes, sync replication, automatic failover with short
 * lease timings. One pair goes through the faults in turn, each healed before the next, and after
 * every fault: no acknowledged write is missing from the standby, and no second writer appeared
 * (writes are tried on both sides).
 * The windows in which nothing may happen (no takeover while the active holds the lease) are two
 * takeover waits long: a takeover in them is the bug, not the machine's speed.
 */
class PeerFaultsIT {

    private static final Duration BOUND = Duration.ofSeconds(90);
    /** W, the takeover wait: failover.after (5 s), equal to ttl + safetyMargin. */
    private static final Duration TAKEOVER_WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final Applies applies = new Applies(20_000);

    @Test
    void delaysPartitionsAndLostS3LoseNoAcknowledgedWriteAndNeverMakeTwoWriters() throws Exception {
        PeerMembers members = PeerMembers.of(2);
        Path credentials = PeerMembers.s3Credentials(dir.resolve("s3.credentials"));
        try (S3Server s3 = S3Server.start();
                FaultyLink oneToS3 = FaultyLink.to(s3.endpoint().getPort());
                FaultyLink toOne = FaultyLink.to(members.linkPort(1));
                FaultyLink toTwo = FaultyLink.to(members.linkPort(2))) {
            members.linkVia(1, toOne.port()).linkVia(2, toTwo.port());
            Path one = members.write(
                    dir.resolve("p1/tandem-1.yaml"),
                    1,
                    "data",
                    PeerMembers.automaticFailover(oneToS3.port(), credentials));
            Path two = members.write(
                    dir.resolve("p2/tandem-2.yaml"),
                    2,
                    "data",
                    PeerMembers.automaticFailover(s3.endpoint().getPort(), credentials));
            Path data1 = dir.resolve("p1/data");
            try (ServeProcess first = ServeProcess.start(dir.resolve("p1"), one, "tandem-1")) {
                AdminHttp tandem1 = AdminHttp.withTokenFrom(first.adminPort(), data1);
                JsonNode token = tandem1.post("/api/v1/peers/tokens", "{}").json();
                assertThat(PeerMembers.join(two, tandem1.base(), token).exit()).isZero();
                try (ServeProcess second = ServeProcess.start(dir.resolve("p2"), two, "tandem-2")) {
                    AdminHttp tandem2 = AdminHttp.withTokenFrom(second.adminPort(), data1);
                    awaitSync(tandem1, "tandem-2");

                    // A slow link: sync writes wait for it, and nothing else changes.
                    toOne.delay(Duration.ofMillis(100));
                    toTwo.delay(Duration.ofMillis(100));
                    for (int i = 0; i < 5; i++) {
                        assertThat(apply(tandem1)).isEqualTo(201);
                    }
                    toOne.heal();
                    toTwo.heal();
                    assertCaughtUp(tandem1, tandem2, 1);
                    assertThat(peers(tandem1).path("degraded").asBoolean()).isFalse();

                    // Entries to the standby held (one way): the active goes on without it, degraded; the lease
                    // no longer names a sync standby, so the standby may not take over.
                    toTwo.hold(FaultyLink.Direction.TO_SERVER);
                    degradesWithoutTakeover(tandem1, tandem2);
                    toTwo.heal();
                    awaitSync(tandem1, "tandem-2");
                    assertCaughtUp(tandem1, tandem2, 1);

                    // A partition of the peer link, both ways: the same, and it heals the same.
                    toOne.partition();
                    toTwo.partition();
                    degradesWithoutTakeover(tandem1, tandem2);
                    toOne.heal();
                    toTwo.heal();
                    awaitSync(tandem1, "tandem-2");
                    assertCaughtUp(tandem1, tandem2, 1);

                    // The active cut from S3 alone: it cannot renew, the standby confirms it has not taken the
                    // lease (failsafe, ADR 0014 §5.4), and the active goes on writing; the standby, which reads a
                    // lease nobody renews, keeps its promise.
                    oneToS3.cut();
                    await().atMost(BOUND)
                            .until(() -> peers(tandem1).path("failsafe").asBoolean());
                    long cutAt = System.nanoTime();
                    while (System.nanoTime() - cutAt < 2 * TAKEOVER_WAIT.toNanos()) {
                        assertThat(apply(tandem1)).isEqualTo(201);
                    }
                    assertThat(peers(tandem2).path("role").asText()).isEqualTo("standby");
                    assertThat(peers(tandem2).path("epoch").asLong()).isEqualTo(1);
                    assertThat(tandem1.get("/metrics").body()).contains("tandem_failsafe_active 1.0");
                    oneToS3.heal();
                    await().atMost(BOUND)
                            .until(() -> !peers(tandem1).path("failsafe").asBoolean());
                    assertCaughtUp(tandem1, tandem2, 1);

                    // The active cut from S3 and from its peer: it cannot renew or confirm, so it fences itself;
                    // the sync standby takes over once the lease went unrenewed for W. Healed, the old active
                    // learns the new epoch and follows.
                    oneToS3.cut();
                    toOne.partition();
                    toTwo.partition();
                    long isolatedAt = System.nanoTime();
                    await().atMost(BOUND)
                            .until(() -> peers(tandem2).path("role").asText().equals("active"));
                    long tookMs = (System.nanoTime() - isolatedAt) / 1_000_000;
                    // Writable on the isolated old active now would be a second writer: it holds a write, then
                    // refuses it (503 once writeWait has passed).
                    assertThat(peers(tandem1).path("state").asText()).isNotIn("active", "standalone");
                    assertThat(apply(tandem1)).isIn(421, 503);
                    applies.assertAllOn(tandem2);
                    assertThat(apply(tandem2)).isEqualTo(201);
                    oneToS3.heal();
                    toOne.heal();
                    toTwo.heal();
                    await().atMost(BOUND)
                            .until(() -> peers(tandem1).path("role").asText().equals("standby"));
                    assertCaughtUp(tandem2, tandem1, 2);
                    assertThat(tandem1.get("/api/v1/audit?limit=500").json().path("entries"))
                            .isEqualTo(tandem2.get("/api/v1/audit?limit=500")
                                    .json()
                                    .path("entries"));
                    System.out.printf(
                            "PeerFaultsIT: %d writes acknowledged through the faults; the isolated active replaced"
                                    + " %d ms after it was cut off%n",
                            applies.count(), tookMs);
                } catch (Exception | AssertionError e) {
                    // What each node logged is the only record of why a fault did not heal as it should.
                    System.out.println("PeerFaultsIT failed; tandem-1 logged:\n" + first.tail(200));
                    System.out.println("tandem-2 logged:\n" + ServeProcess.tail(dir.resolve("p2/tandem-2.log"), 200));
                    throw e;
                }
            }
        }
    }

    /**
     * With the standby unreachable, a write waits for it up to syncTimeout and is then answered
     * (degraded); over two takeover waits of writes, the standby stays a standby at the same epoch.
     */
    private void degradesWithoutTakeover(AdminHttp active, AdminHttp standby) {
        long faultAt = System.nanoTime();
        assertThat(apply(active)).isEqualTo(201);
        assertThat(peers(active).path("degraded").asBoolean()).isTrue();
        assertThat(peers(active).path("lease").path("syncStandby").isNull()).isTrue();
        while (System.nanoTime() - faultAt < 2 * TAKEOVER_WAIT.toNanos()) {
            assertThat(apply(active)).isEqualTo(201);
        }
        // Writes tried on both sides: the standby still sends them to the active, it takes none itself.
        assertThat(apply(standby)).isEqualTo(421);
        JsonNode seen = peers(standby);
        assertThat(seen.path("role").asText()).as(seen.toString()).isEqualTo("standby");
        assertThat(seen.path("epoch").asLong()).isEqualTo(1);
    }

    /** The standby has every acknowledged write, serves the same revision, and both are at {@code epoch}. */
    private void assertCaughtUp(AdminHttp active, AdminHttp standby, long epoch) {
        long newest = revision(active);
        await().atMost(BOUND).until(() -> revision(standby) == newest);
        applies.assertAllOn(standby);
        assertThat(peers(active).path("epoch").asLong()).isEqualTo(epoch);
        assertThat(peers(standby).path("epoch").asLong()).isEqualTo(epoch);
    }

    private static void awaitSync(AdminHttp active, String standby) {
        // untilAsserted, not until: when it times out, the message holds what the active last said.
        await().atMost(BOUND).untilAsserted(() -> {
            JsonNode seen = peers(active);
            assertThat(seen.path("syncStandby").asText()).as(seen.toString()).isEqualTo(standby);
            assertThat(seen.path("degraded").asBoolean()).as(seen.toString()).isFalse();
        });
    }

    private int apply(AdminHttp admin) {
        return applies.apply(admin);
    }

    private static JsonNode peers(AdminHttp admin) {
        return admin.get("/api/v1/peers").json();
    }
}
