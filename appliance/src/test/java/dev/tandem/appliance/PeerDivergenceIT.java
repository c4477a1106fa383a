package dev.tandem.appliance;

import static dev.tandem.appliance.testing.PeerMembers.revision;
import static dev.tandem.appliance.testing.PeerMembers.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.api.DocumentedAnswers;
import dev.tandem.appliance.api.OpenApiDocument;
import dev.tandem.appliance.cli.TandemCommand;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.Applies;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.FaultyLink;
import dev.tandem.appliance.testing.Gateways;
import dev.tandem.appliance.testing.PeerMembers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A former active that holds an entry the new active never received (ADR 0014 §3.8): the entries
 * from tandem-1 to tandem-2 are held by a {@link FaultyLink} while a write waits on tandem-1 for its
 * sync standby, and tandem-2 is promoted meanwhile, so both logs hold a different entry at the same
 * index (tandem-1 is stopped first: a promote without a lease store needs the old active down).
 * Started again, tandem-1 finds the fork, moves its entry aside and installs tandem-2's state by a
 * state transfer (§3.7); then it streams, serves what tandem-2 serves, and holds the same tables.
 * Two appliances in one JVM, no lease store; the sync timeout is long, so the write is still
 * waiting when the promote lands.
 */
class PeerDivergenceIT {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String PATIENT = """
              syncTimeout: 30s
              writeWait: 40s
            """;

    /** The diverged-entry operation, whose answers on a node that moved an entry aside are checked here. */
    private static final String DIVERGED = "/api/v1/peers/diverged/{epoch}/{index}";

    @TempDir
    Path dir;

    private final SoftAssertions soft = new SoftAssertions();
    private final DocumentedAnswers answers = new DocumentedAnswers(OpenApiDocument.load(), soft);

    /**
     * {@code stopped}: the operator's promote is right, the old active is down, and it is started
     * again. {@code running}: it is not, and the old active still runs; it learns the new epoch from
     * the new active's heartbeats (every active sends them to every member) and demotes.
     */
    @ParameterizedTest(name = "old active {0}")
    @ValueSource(strings = {"stopped", "running"})
    void aFormerActiveWithAnEntryTheNewActiveNeverGotInstallsItsStateAndFollows(String oldActive) throws Exception {
        boolean stopped = oldActive.equals("stopped");
        PeerMembers members = PeerMembers.of(2);
        try (FaultyLink toTwo = FaultyLink.to(members.linkPort(2))) {
            members.linkVia(2, toTwo.port());
            Path one = members.write(dir.resolve("tandem-1.yaml"), 1, "data-1", PATIENT);
            Path two = members.write(dir.resolve("tandem-2.yaml"), 2, "data-2", PATIENT);
            Path data1 = dir.resolve("data-1");
            Appliance first = Appliance.start(ApplianceConfig.load(one));
            try {
                AdminHttp tandem1 = AdminHttp.withTokenFrom(first.adminPort(), data1);
                JsonNode token = tandem1.post("/api/v1/peers/tokens", "{}").json();
                assertThat(PeerMembers.join(two, tandem1.base(), token).exit()).isZero();
                try (Appliance second = Appliance.start(ApplianceConfig.load(two))) {
                    AdminHttp tandem2 = AdminHttp.withTokenFrom(second.adminPort(), data1);
                    PeerMembers.awaitSyncStandby(tandem1, "tandem-2", BOUND);
                    Applies applies = new Applies(30_000);
                    for (int i = 0; i < 3; i++) {
                        assertThat(applies.apply(tandem1)).isEqualTo(201);
                    }
                    long agreed = revision(tandem1);
                    await().atMost(BOUND).until(() -> revision(tandem2) == agreed);

                    // tandem-1 appends a write and waits for tandem-2, which never gets it; it stops (its entry
                    // is on its disk) or runs on, and tandem-2 is promoted with the old active declared down.
                    toTwo.hold(FaultyLink.Direction.TO_SERVER);
                    AdminHttp patient = tandem1.waiting(BOUND);
                    CompletableFuture<Integer> pending = CompletableFuture.supplyAsync(() ->
                            patient.post("/api/v1/apply", Gateways.edge(39_999)).status());
                    await().atMost(BOUND).until(() -> lastIndex(tandem1) > lastIndex(tandem2));
                    if (stopped) {
                        first.close();
                    }
                    AdminHttp.Reply promoted = tandem2.post(
                            "/api/v1/peers/promote", "{\"oldActiveIsDown\": true, \"acceptDataLoss\": true}");
                    assertThat(promoted.status()).as(promoted.body()).isEqualTo(200);
                    await().atMost(BOUND).until(() -> role(tandem2).equals("active"));
                    assertThat(applies.apply(tandem2)).isEqualTo(201);
                    long newest = revision(tandem2);
                    // Never acknowledged: the client saw the node go, or (running) an outcome it cannot know.
                    assertThat(pending.handle((status, failure) -> failure == null ? status : -1)
                                    .get(BOUND.toSeconds(), TimeUnit.SECONDS))
                            .isIn(-1, 503);
                    toTwo.heal();

                    // Started again (or told by tandem-2's heartbeats), tandem-1 learns the new epoch, finds its
                    // log diverged at the held entry, moves it aside, installs tandem-2's state, and follows.
                    if (stopped) {
                        first = Appliance.start(ApplianceConfig.load(one));
                    }
                    AdminHttp rejoined = AdminHttp.withTokenFrom(first.adminPort(), data1);
                    await().atMost(BOUND).until(() -> revision(rejoined) == newest);
                    JsonNode peers = rejoined.get("/api/v1/peers").json();
                    assertThat(peers.path("role").asText()).as(peers.toString()).isEqualTo("standby");
                    assertThat(peers.path("state").asText()).isEqualTo("following");
                    applies.assertAllOn(rejoined);
                    // What it moved aside is listed: the held write, at the index the new epoch took.
                    JsonNode diverged = peers.path("diverged");
                    assertThat(diverged).as(peers.toString()).hasSize(1);
                    assertThat(diverged.get(0).path("epoch").asLong()).isEqualTo(1);
                    assertThat(diverged.get(0).path("replacedByEpoch").asLong())
                            .isEqualTo(promoted.json().path("epoch").asLong());
                    assertThat(tandem2.get("/api/v1/peers").json().path("diverged"))
                            .isEmpty();
                    // The active's audit log records what tandem-1 moved aside (tandem-1 reports it; the audit
                    // log is replicated, so only the active writes it), once, and the record replicates back.
                    String movedAside = "tandem-1 moved entry 1:"
                            + diverged.get(0).path("index").asLong() + " (revision";
                    await().atMost(BOUND)
                            .until(() -> divergedAudits(tandem2, movedAside) == 1
                                    && audit(rejoined).equals(audit(tandem2)));
                    // The same tables on both: the entry moved aside left no row behind.
                    assertThat(audit(rejoined)).isEqualTo(audit(tandem2));
                    assertThat(rejoined.get("/api/v1/revisions").json())
                            .isEqualTo(tandem2.get("/api/v1/revisions").json());
                    // And it streams again: a write on tandem-2 reaches it.
                    assertThat(applies.apply(tandem2)).isEqualTo(201);
                    long after = revision(tandem2);
                    await().atMost(BOUND).until(() -> revision(rejoined) == after);

                    // Restorable by hand: the entry shows the config it carried, which applied again (through
                    // the standby: the CLI follows the 421) is a new revision on both; cleared, it is gone.
                    String at = "1:" + diverged.get(0).path("index").asLong();
                    String detail = "/api/v1/peers/diverged/1/"
                            + diverged.get(0).path("index").asLong();
                    JsonNode entry = answers.check("GET", DIVERGED, rejoined.get(detail), 200)
                            .json();
                    assertThat(entry.path("tables"))
                            .extracting(JsonNode::asText)
                            .contains("revision");
                    assertThat(entry.path("config").asText()).contains("port: 39999");
                    Path adminToken = data1.resolve("admin-token");
                    Cli.Result shown = Cli.against(rejoined, adminToken, "peers", "diverged", "show", at);
                    assertThat(shown.exit()).as(shown.err()).isZero();
                    assertThat(shown.out()).isEqualTo(entry.path("config").asText());
                    Path kept = Files.writeString(dir.resolve("kept-" + oldActive + ".yaml"), shown.out());
                    Cli.Result reapplied = Cli.against(rejoined, adminToken, "apply", "-f", kept.toString());
                    assertThat(reapplied.exit()).as(reapplied.err()).isZero();
                    long restored = revision(tandem2);
                    assertThat(restored).isGreaterThan(after);
                    await().atMost(BOUND).until(() -> revision(rejoined) == restored);
                    JsonNode cleared = answers.check("DELETE", DIVERGED, rejoined.request("DELETE", detail, null), 200)
                            .json();
                    assertThat(cleared.path("cleared").path("index").asLong())
                            .isEqualTo(diverged.get(0).path("index").asLong());
                    assertThat(rejoined.get("/api/v1/peers").json().path("diverged"))
                            .isEmpty();
                    answers.check("GET", DIVERGED, rejoined.get(detail), 404);
                    Cli.Result again = Cli.against(rejoined, adminToken, "peers", "diverged", "clear", at);
                    assertThat(again.exit()).isEqualTo(TandemCommand.REFUSED);
                    assertThat(again.err()).contains("refused (HTTP 404): no such diverged entry");
                    soft.assertAll();
                    assertThat(answers.exercised())
                            .contains(
                                    "GET " + DIVERGED + " 200 application/json",
                                    "DELETE " + DIVERGED + " 200 application/json");
                }
            } finally {
                first.close();
            }
        }
    }

    private static JsonNode audit(AdminHttp admin) {
        return admin.get("/api/v1/audit?limit=1000").json().path("entries");
    }

    /** The {@code peer-diverged} entries of {@code admin}'s audit log whose detail starts with {@code prefix}. */
    private static long divergedAudits(AdminHttp admin, String prefix) {
        long count = 0;
        for (JsonNode entry : audit(admin)) {
            if (entry.path("action").asText().equals("peer-diverged")
                    && entry.path("detail").asText().startsWith(prefix)) {
                count++;
            }
        }
        return count;
    }

    /** This node's own last log index, as its peers view says. */
    private static long lastIndex(AdminHttp admin) {
        for (JsonNode member : admin.get("/api/v1/peers").json().path("members")) {
            if (member.path("self").asBoolean()) {
                return member.path("lastIndex").asLong();
            }
        }
        throw new AssertionError(
                "no member is self in " + admin.get("/api/v1/peers").body());
    }
}
