package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.Revision;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.ServeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledged means durable: a real {@code tandem serve} process is killed with SIGKILL (no shutdown
 * hook, no flush) while a client applies as fast as it is answered, many times in a row; after each
 * kill every apply answered 201 is in the store with the documents it was given and its audit entry,
 * no revision lacks its entry or the reverse, and the restarted node serves the newest. Numbers are
 * never reused: a number acknowledged once always holds the same documents.
 *
 * <p>{@code -Dcrash.rounds=50} runs it 50 times (by hand); {@code -Dcrash.seed=N} replays a run's
 * kill points (the seed is printed).
 */
class CrashIT {

    private static final int ROUNDS = Integer.getInteger("crash.rounds", 3);
    private static final String QUICKSTART = read(Path.of("../samples/quickstart/gateway.yaml"));

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedApplySurvivesKill9() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println(
                "CrashIT seed " + seed + " (-Dcrash.seed=" + seed + " replays the kill points), rounds " + ROUNDS);
        Random random = new Random(seed);
        Path data = dir.resolve("data");
        Files.copy(Path.of("../samples/quickstart/gateway.yaml"), dir.resolve("gateway.yaml"));
        Path config = ServeProcess.config(dir, "crash-it", "gateway.yaml");
        Map<Long, String> acknowledged = new ConcurrentSkipListMap<>();
        AtomicInteger counter = new AtomicInteger();
        long lost = 0;

        for (int round = 0; round < ROUNDS; round++) {
            try (ServeProcess serve = ServeProcess.start(dir, config, "serve-" + round)) {
                AdminHttp admin = AdminHttp.withTokenFrom(serve.adminPort(), data);
                long newestAcknowledged = acknowledged.keySet().stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElse(1);
                // The restarted node serves the newest stored revision, never an older one.
                assertThat(admin.get("/api/v1/status").json().path("revision").asLong())
                        .isGreaterThanOrEqualTo(newestAcknowledged);

                int killAfter = 5 + random.nextInt(40);
                CountDownLatch enough = new CountDownLatch(killAfter);
                AtomicInteger answered = new AtomicInteger();
                AtomicBoolean running = new AtomicBoolean(true);
                Thread client = new Thread(
                        () -> {
                            while (running.get()) {
                                String yaml = gateway(counter.incrementAndGet());
                                AdminHttp.Reply reply;
                                try {
                                    reply = admin.post("/api/v1/apply", yaml);
                                } catch (RuntimeException e) {
                                    return; // the process is gone: this apply was never acknowledged
                                }
                                if (reply.status() == 201) {
                                    acknowledged.put(
                                            reply.json().path("revision").asLong(), yaml);
                                    answered.incrementAndGet();
                                    enough.countDown();
                                }
                            }
                        },
                        "crash-it-client");
                client.start();
                assertThat(enough.await(120, TimeUnit.SECONDS))
                        .as("%d applies answered", killAfter)
                        .isTrue();
                serve.kill9();
                running.set(false);
                client.join();
                assertThat(answered.get())
                        .as("applies answered before the kill")
                        .isGreaterThanOrEqualTo(killAfter);
            }
            long lostNow = check(data, acknowledged);
            lost += lostNow;
            assertThat(lostNow)
                    .as("acknowledged revisions lost or changed by kill -9 in round %d (seed %d)", round, seed)
                    .isZero();
        }
        try (ServeProcess serve = ServeProcess.start(dir, config, "serve-last")) {
            AdminHttp admin = AdminHttp.withTokenFrom(serve.adminPort(), data);
            long newest = acknowledged.keySet().stream()
                    .mapToLong(Long::longValue)
                    .max()
                    .orElseThrow();
            assertThat(admin.get("/api/v1/status").json().path("revision").asLong())
                    .isGreaterThanOrEqualTo(newest);
            // The next number follows every number used before: none is handed out twice.
            AdminHttp.Reply next = admin.post("/api/v1/apply", gateway(counter.incrementAndGet()));
            assertThat(next.status()).isEqualTo(201);
            assertThat(next.json().path("revision").asLong()).isGreaterThan(newest);
        }
        System.out.println("MEASURED CrashIT: " + ROUNDS + " kill -9 rounds, " + acknowledged.size()
                + " acknowledged applies, " + lost + " lost");
        assertThat(lost).isZero();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every acknowledged revision is stored as acknowledged; returns how many are missing or changed. */
    private static long check(Path data, Map<Long, String> acknowledged) throws Exception {
        long lost = 0;
        try (Database database = Database.open(data)) {
            RevisionStore store = new RevisionStore(database);
            for (Map.Entry<Long, String> ack : acknowledged.entrySet()) {
                Revision stored = store.get(ack.getKey()).orElse(null);
                if (stored == null || !stored.documents().equals(ack.getValue())) {
                    lost++;
                }
            }
            try (Connection c = database.connection();
                    Statement s = c.createStatement();
                    ResultSet orphans = s.executeQuery("SELECT (SELECT COUNT(*) FROM revision r WHERE NOT EXISTS "
                            + "(SELECT 1 FROM audit a WHERE a.action = 'apply' AND a.revision = r.number)), "
                            + "(SELECT COUNT(*) FROM audit a WHERE a.action = 'apply' AND NOT EXISTS "
                            + "(SELECT 1 FROM revision r WHERE r.number = a.revision))")) {
                orphans.next();
                assertThat(orphans.getLong(1))
                        .as("revisions without their audit entry")
                        .isZero();
                assertThat(orphans.getLong(2))
                        .as("apply audit entries without their revision")
                        .isZero();
            }
        }
        return lost;
    }

    /** The quick start's config with site A on another port each time: every apply is a new revision. */
    private static String gateway(int n) {
        return QUICKSTART.replace("port: 50051", "port: " + (20000 + n % 40000));
    }
}
