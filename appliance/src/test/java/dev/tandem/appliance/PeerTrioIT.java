package dev.tandem.appliance;

import static dev.tandem.appliance.testing.PeerMembers.revision;
import static dev.tandem.appliance.testing.PeerMembers.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.cli.TandemCommand;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.Applies;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.Gateways;
import dev.tandem.appliance.testing.LeasedCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three peers on real processes (issue 16: "three peers (one active, two standbys)"): one active, one
 * named sync standby at a time, a second standby that replicates asynchronously; when the active dies
 * of SIGKILL the sync standby takes over by itself (the other standby no longer hears the active),
 * the other follows the new active at the new epoch, and becomes its sync standby.
 */
class PeerTrioIT {

    private static final Duration BOUND = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private LeasedCluster trio;

    @BeforeEach
    void start() throws Exception {
        trio = LeasedCluster.start(dir, 3, BOUND);
    }

    @AfterEach
    void stop() throws Exception {
        if (trio != null) {
            trio.close();
        }
    }

    @Test
    void oneSyncStandbyAtATimeAndTheSyncStandbyTakesOverWithTheThirdFollowingIt() throws Exception {
        AdminHttp one = trio.admin(1);
        AdminHttp two = trio.admin(2);
        AdminHttp three = trio.admin(3);
        AdminHttp.Reply first = one.post("/api/v1/apply", Gateways.edge(9001));
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        long written = first.json().path("revision").asLong();
        await().atMost(BOUND).until(() -> revision(two) == written && revision(three) == written);
        assertThat(role(three)).isEqualTo("standby");

        // Exactly one standby is the named sync standby; the other replicates without it being waited for.
        JsonNode peers = one.get("/api/v1/peers").json();
        assertThat(peers.path("syncStandby").asText()).as(peers.toString()).isEqualTo("tandem-2");
        List<String> sync = new ArrayList<>();
        peers.path("members").forEach(m -> {
            if (m.path("sync").asBoolean()) {
                sync.add(m.path("name").asText());
            }
        });
        assertThat(sync).containsExactly("tandem-2");
        AdminHttp.Reply misdirected = three.post("/api/v1/apply", Gateways.edge(9002));
        assertThat(misdirected.status()).isEqualTo(421);
        assertThat(misdirected.json().path("active").path("name").asText()).isEqualTo("tandem-1");
        Cli.Result healthy = doctor(one);
        assertThat(healthy.exit()).as(healthy.out() + healthy.err()).isZero();
        assertThat(healthy.out()).contains("healthy: 3 peer(s) of cluster tandem");

        Applies applies = new Applies(10_000);
        applies.stream(one);
        await().atMost(BOUND).until(() -> applies.count() >= 30);
        trio.member(1).kill9();
        long killedAt = System.nanoTime();
        applies.stop();

        await().atMost(BOUND).until(() -> role(two).equals("active"));
        long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
        applies.assertAllOn(two);
        AdminHttp.Reply after = two.post("/api/v1/apply", Gateways.edge(9999));
        assertThat(after.status()).as(after.body()).isEqualTo(201);
        long newest = after.json().path("revision").asLong();
        // The third follows the new active at its epoch, holds every acknowledged write, and becomes its sync standby.
        await().atMost(BOUND).until(() -> revision(three) == newest);
        JsonNode status = three.get("/api/v1/status").json();
        assertThat(status.path("role").asText()).isEqualTo("standby");
        assertThat(status.path("epoch").asLong()).as(status.toString()).isEqualTo(2);
        applies.assertAllOn(three);
        await().atMost(BOUND)
                .until(() -> two.get("/api/v1/peers")
                        .json()
                        .path("syncStandby")
                        .asText()
                        .equals("tandem-3"));
        AdminHttp.Reply redirected = three.post("/api/v1/apply", Gateways.edge(9003));
        assertThat(redirected.status()).isEqualTo(421);
        assertThat(redirected.json().path("active").path("name").asText()).isEqualTo("tandem-2");

        // Writing with tandem-3 as sync standby: doctor names the member that is gone, nothing else is an error.
        Cli.Result down = doctor(two);
        assertThat(down.exit()).as(down.out() + down.err()).isEqualTo(TandemCommand.UNHEALTHY);
        assertThat(down.out())
                .contains("PROBLEM tandem-1: reachable: unreachable")
                .contains("PROBLEM tandem-2: replication: standby tandem-1 does not replicate")
                .doesNotContain("no synchronous standby", "PROBLEM tandem-3");
        System.out.printf(
                "PeerTrioIT: %d applies acknowledged before SIGKILL; tandem-2 active by itself %d ms after it%n",
                applies.count(), tookMs);
    }

    private Cli.Result doctor(AdminHttp admin) {
        return Cli.against(admin, dir.resolve("p1/data/admin-token"), "doctor");
    }
}
