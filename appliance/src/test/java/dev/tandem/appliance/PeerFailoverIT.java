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
import dev.tandem.appliance.testing.PeerMembers;
import dev.tandem.appliance.testing.ServeProcess;
import dev.tandem.fallback.S3Store;
import dev.tandem.fallback.testing.S3Server;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic failover on real processes (ADR 0014 T22 to T24): a {@link LeasedCluster} of two, two {@code tandem
 * serve} processes with the lease beside the exports in S3 (s3proxy on 127.0.0.1), sync replication,
 * {@code failover.automatic}. Short lease timings keep the test short; they satisfy the relations the
 * config checks ({@code Timing.problems}). Times are printed, not asserted.
 */
class PeerFailoverIT {

    private static final Duration BOUND = Duration.ofSeconds(90);

    private static final Pattern FAILOVERS = Pattern.compile("tandem_failovers_total\\{kind=\"automatic\"} (\\S+)");

    @TempDir
    Path dir;

    private LeasedCluster pair;

    @BeforeEach
    void startPair() throws Exception {
        pair = LeasedCluster.start(dir, 2, BOUND);
    }

    @AfterEach
    void stopAll() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void theSyncStandbyTakesOverAKilledActiveWithEveryAcknowledgedWriteAndExportsAtTheNewEpoch() throws Exception {
        AdminHttp active = pair.admin(1);
        AdminHttp standby = pair.admin(2);
        Cli.Result healthy = doctor(active);
        assertThat(healthy.exit()).as(healthy.out() + healthy.err()).isZero();
        assertThat(healthy.out())
                .contains("healthy: 2 peer(s) of cluster tandem")
                .doesNotContain("PROBLEM");
        Applies applies = new Applies(10_000);
        applies.stream(active);
        await().atMost(BOUND).until(() -> applies.count() >= 40);
        pair.member(1).kill9();
        long killedAt = System.nanoTime();
        applies.stop();

        // Nobody asks: the sync standby sees the lease unrenewed for failover.after and takes it.
        await().atMost(BOUND).until(() -> role(standby).equals("active"));
        long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
        JsonNode peers = standby.get("/api/v1/peers").json();
        assertThat(peers.path("epoch").asLong()).as(peers.toString()).isEqualTo(2);
        assertThat(failovers(standby)).isEqualTo(1.0);
        applies.assertAllOn(standby);
        // The runbook's first step: tandem doctor says what is wrong and what to do.
        Cli.Result down = doctor(standby);
        assertThat(down.exit()).as(down.out() + down.err()).isEqualTo(TandemCommand.UNHEALTHY);
        assertThat(down.out())
                .contains("PROBLEM tandem-1: reachable: unreachable at https://127.0.0.1:")
                .contains("PROBLEM tandem-2: replication: standby tandem-1 does not replicate")
                .contains("PROBLEM tandem-2: replication: no synchronous standby");
        AdminHttp.Reply after = standby.post("/api/v1/apply", Gateways.edge(9999));
        assertThat(after.status()).as(after.body()).isEqualTo(201);
        long newest = after.json().path("revision").asLong();
        // Only the active exports, and its bundles carry its epoch.
        try (S3Store store = new S3Store(pair.s3().location("prod"), S3Server.CREDENTIALS)) {
            await().atMost(BOUND)
                    .until(() -> store.list("edge/revisions").contains("edge/revisions/2-" + newest + ".bundle"));
        }
        System.out.printf(
                "PeerFailoverIT: %d applies acknowledged before SIGKILL; tandem-2 active by itself %d ms after it%n",
                applies.count(), tookMs);

        // No preemption: the killed node, restarted, reads the lease, follows epoch 2 and catches up.
        ServeProcess again = pair.restart(1, "tandem-1-again");
        PeerMembers.awaitRejoined(pair.admin(again), newest, 2, BOUND);
        PeerMembers.awaitSyncStandby(standby, "tandem-1", BOUND);
        Cli.Result back = doctor(standby);
        assertThat(back.exit()).as(back.out() + back.err()).isZero();
    }

    @Test
    void aPausedActiveFencesItselfAndAWriteItHeldIsNotAcknowledgedAfterTheStandbyTookOver() throws Exception {
        AdminHttp active = pair.admin(1);
        AdminHttp standby = pair.admin(2);
        assertThat(active.post("/api/v1/apply", Gateways.edge(9001)).status()).isEqualTo(201);
        pair.member(1).pause();
        long pausedAt = System.nanoTime();
        // Sent while it is paused: the request waits in its socket until it runs again.
        AdminHttp patient = active.waiting(BOUND);
        CompletableFuture<AdminHttp.Reply> held =
                CompletableFuture.supplyAsync(() -> patient.post("/api/v1/apply", Gateways.edge(9002)));
        await().atMost(BOUND).until(() -> role(standby).equals("active"));
        long tookMs = (System.nanoTime() - pausedAt) / 1_000_000;
        AdminHttp.Reply written = standby.post("/api/v1/apply", Gateways.edge(9003));
        assertThat(written.status()).as(written.body()).isEqualTo(201);
        long newest = written.json().path("revision").asLong();

        pair.member(1).resume();
        // Its lease lapsed while it was paused: the held write is refused or redirected, never acknowledged
        // (the new active would not have it).
        AdminHttp.Reply late = held.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(late.status()).as(late.body()).isIn(421, 503);
        await().atMost(BOUND).until(() -> role(active).equals("standby"));
        await().atMost(BOUND).until(() -> revision(active) == newest);
        // Both hold the same history: the write tandem-1 held is on neither.
        assertThat(active.get("/api/v1/audit?limit=100").json().path("entries"))
                .isEqualTo(standby.get("/api/v1/audit?limit=100").json().path("entries"));
        assertThat(active.post("/api/v1/apply", Gateways.edge(9004)).status()).isEqualTo(421);
        System.out.printf(
                "PeerFailoverIT: tandem-2 active %d ms after tandem-1 was paused; the write tandem-1 held: %d %s%n",
                tookMs, late.status(), late.json().path("reason").asText());
    }

    /** {@code tandem doctor} asking {@code admin}'s node first, with the replicated initial admin token. */
    private Cli.Result doctor(AdminHttp admin) {
        return Cli.against(admin, dir.resolve("p1/data/admin-token"), "doctor");
    }

    private static double failovers(AdminHttp admin) {
        Matcher m = FAILOVERS.matcher(admin.get("/metrics").body());
        assertThat(m.find())
                .as("tandem_failovers_total{kind=\"automatic\"} in /metrics")
                .isTrue();
        return Double.parseDouble(m.group(1));
    }
}
