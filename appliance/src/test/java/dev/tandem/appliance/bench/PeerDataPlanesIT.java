package dev.tandem.appliance.bench;

import static dev.tandem.appliance.testing.PeerMembers.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.Jackson;
import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.Cli;
import dev.tandem.appliance.testing.Gateways;
import dev.tandem.appliance.testing.LeasedCluster;
import dev.tandem.appliance.testing.PeerMembers;
import dev.tandem.appliance.testing.ServeProcess;
import dev.tandem.appliance.testing.SiteBackend;
import dev.tandem.appliance.testing.TestPki;
import dev.tandem.appliance.testing.TwoSites;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.xds.XdsNameResolverProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data planes when the active dies (issue 16, "a gRPC xDS client and a simulated Envoy on the
 * active move to the standby"): a {@link LeasedCluster} of two with automatic failover; grpc-java's xDS
 * client and two of the bench's simulated Envoys (state of the world and Delta), each joined with
 * {@code tandem bootstrap --join} and configured only by the bootstrap it wrote, which lists both
 * peers. tandem-1 dies of SIGKILL under them.
 *
 * <p>The simulated Envoys open their next stream on the other peer, as Envoy does with its {@code
 * xds_cluster} ({@link XdsClusterChannel}), and are sent nothing they have: the peers serve the same
 * versions. grpc-java keeps its cached config while its first server is down (gRFC A71 falls back
 * only for resources it does not have), so its calls never stop; a client that starts while
 * tandem-1 is down is served by tandem-2, and tandem-1, restarted as a standby, serves the first
 * client what was applied on tandem-2 meanwhile.
 */
class PeerDataPlanesIT {

    private static final Duration BOUND = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = Jackson.MAPPER;
    private static final List<String> TYPES = List.of("listeners", "clusters", "routes", "endpoints");

    /** A resolver scheme per test: each names its own bootstrap (grpc-java's {@code xds:} one is the JVM's). */
    private static final AtomicInteger SCHEMES = new AtomicInteger();

    @TempDir
    Path dir;

    private LeasedCluster pair;
    private TwoSites sites;
    private final List<AutoCloseable> dataPlanes = new ArrayList<>();
    private XdsNameResolverProvider resolver;

    @BeforeEach
    void start() throws Exception {
        sites = new TwoSites();
        pair = LeasedCluster.start(dir, 2, BOUND);
    }

    @AfterEach
    void stop() throws Exception {
        if (resolver != null) {
            NameResolverRegistry.getDefaultRegistry().deregister(resolver);
        }
        try (LeasedCluster stopPair = pair;
                TwoSites stopSites = sites) {
            for (AutoCloseable dataPlane : dataPlanes.reversed()) {
                dataPlane.close();
            }
        }
    }

    @Test
    void dataPlanesMoveToTheStandbyWhenTheActiveDiesAreSentNothingTheyHaveAndCallsNeverFail() throws Exception {
        AdminHttp active = pair.admin(1);
        AdminHttp standby = pair.admin(2);
        assertThat(active.post("/api/v1/apply", config("site-a", "site-b", 9001))
                        .status())
                .isEqualTo(201);

        // grpc-java's xDS client, configured by its bootstrap only.
        String scheme = "tandem-pair-" + SCHEMES.incrementAndGet();
        Path grpcBootstrap = join(active, "grpc-clients", "client-1", "grpc");
        @SuppressWarnings("unchecked")
        Map<String, ?> bootstrap = JSON.readValue(grpcBootstrap.toFile(), Map.class);
        assertThat(bootstrap.get("xds_servers").toString())
                .contains(":" + pair.member(1).xdsPort(), ":" + pair.member(2).xdsPort());
        resolver = XdsNameResolverProvider.createForTest(scheme, bootstrap);
        NameResolverRegistry.getDefaultRegistry().register(resolver);
        ManagedChannel client = channel(scheme);
        await().atMost(BOUND)
                .ignoreExceptions()
                .until(() -> SiteBackend.callSite(client, 2000).equals("site-a"));
        Calls calls = new Calls(client);
        dataPlanes.add(calls);

        // Two simulated Envoys, each on the xds_cluster its bootstrap lists.
        SimulatedDataPlane sotw = envoy(active, "envoy-sotw", Bench.Protocol.sotw);
        SimulatedDataPlane delta = envoy(active, "envoy-delta", Bench.Protocol.delta);
        Map<String, String> before = versions(active);
        await().atMost(BOUND)
                .until(() -> ackedOn(active, "envoy-sotw", before) && ackedOn(active, "envoy-delta", before));
        Map<String, Long> sotwBefore = responses(sotw);
        Map<String, Long> deltaBefore = responses(delta);

        pair.member(1).kill9();
        long killedAt = System.nanoTime();
        await().atMost(BOUND).until(() -> role(standby).equals("active"));
        long promotedMs = (System.nanoTime() - killedAt) / 1_000_000;
        // Both Envoys stream from tandem-2 now and hold what they held: the same versions.
        await().atMost(BOUND)
                .until(() -> ackedOn(standby, "envoy-sotw", before) && ackedOn(standby, "envoy-delta", before));
        long movedMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertThat(versions(standby)).isEqualTo(before);

        // An endpoint moves on the new active: only the assignment travels.
        assertThat(standby.post("/api/v1/apply", config("site-a", "site-b", 9002))
                        .status())
                .isEqualTo(201);
        Map<String, String> moved = versions(standby);
        assertThat(moved)
                .containsEntry("listeners", before.get("listeners"))
                .containsEntry("clusters", before.get("clusters"))
                .containsEntry("routes", before.get("routes"))
                .doesNotContainEntry("endpoints", before.get("endpoints"));
        await().atMost(BOUND)
                .until(() -> ackedOn(standby, "envoy-sotw", moved) && ackedOn(standby, "envoy-delta", moved));
        Map<String, Long> sotwAfter = responses(sotw);
        Map<String, Long> deltaAfter = responses(delta);
        // Delta: the new peer sent nothing the node had (initial_resource_versions matched), then one assignment.
        assertThat(deltaAfter)
                .as("Delta responses per type before the kill %s, after the move %s", deltaBefore, deltaAfter)
                .containsEntry("listeners", deltaBefore.get("listeners"))
                .containsEntry("clusters", deltaBefore.get("clusters"))
                .containsEntry("routes", deltaBefore.get("routes"))
                .containsEntry("endpoints", deltaBefore.get("endpoints") + 1);
        // State of the world: listeners and clusters not again (their versions matched); a node the new peer never
        // served is sent its route table and assignments once at the versions it had (ADR 0009), then the move.
        assertThat(sotwAfter)
                .as("SotW responses per type before the kill %s, after the move %s", sotwBefore, sotwAfter)
                .containsEntry("listeners", sotwBefore.get("listeners"))
                .containsEntry("clusters", sotwBefore.get("clusters"))
                .containsEntry("routes", sotwBefore.get("routes") + 1)
                .containsEntry("endpoints", sotwBefore.get("endpoints") + 2);

        // A proxyless client that starts now, with tandem-1 down, is served by tandem-2 (gRFC A71 fallback).
        ManagedChannel late = channel(scheme);
        await().atMost(BOUND)
                .ignoreExceptions()
                .until(() -> SiteBackend.callSite(late, 2000).equals("site-a"));

        // Site B becomes primary on tandem-2; tandem-1, restarted, follows and serves it to its first client.
        AdminHttp.Reply flipped = standby.post("/api/v1/apply", config("site-b", "site-a", 9002));
        assertThat(flipped.status()).isEqualTo(201);
        ServeProcess again = pair.restart(1, "tandem-1-again");
        PeerMembers.awaitRejoined(
                pair.admin(again), flipped.json().path("revision").asLong(), 2, BOUND);
        await().atMost(BOUND).until(() -> calls.last().equals("site-b"));
        calls.close();
        System.out.printf(
                "PeerDataPlanesIT: tandem-2 active %d ms after SIGKILL, both Envoys ACKed on it after %d ms;"
                        + " SotW responses %s -> %s, Delta %s -> %s; grpc-java calls %s%n",
                promotedMs, movedMs, sotwBefore, sotwAfter, deltaBefore, deltaAfter, calls);
        assertThat(calls.failed()).as("calls that failed: %s", calls).isZero();
    }

    private String config(String primary, String fallback, int ordersPort) {
        return sites.greeter(primary, fallback) + "---\n" + Gateways.edge(ordersPort);
    }

    /** {@code tandem bootstrap --join} for a data plane of {@code nodeGroup}, as its host runs it; the bootstrap's path. */
    private Path join(AdminHttp admin, String nodeGroup, String nodeId, String format) throws Exception {
        AdminHttp.Reply token =
                admin.post("/api/v1/join-tokens", "{\"nodeGroup\": \"" + nodeGroup + "\", \"ttl\": \"1h\"}");
        assertThat(token.status()).as(token.body()).isEqualTo(201);
        Path home = Files.createDirectories(dir.resolve(nodeId));
        Path out = home.resolve("bootstrap." + (format.equals("grpc") ? "json" : "yaml"));
        Cli.Result joined = Cli.run(
                "bootstrap",
                "--join",
                token.json().path("token").asText(),
                "--server",
                admin.base(),
                "--ca-file",
                pair.caFile().toString(),
                "--format",
                format,
                "--node-id",
                nodeId,
                "--region",
                "site-a",
                "--tls-dir",
                home.resolve("tls").toString(),
                "--out",
                out.toString());
        assertThat(joined.exit()).as(joined.err()).isZero();
        return out;
    }

    private ManagedChannel channel(String scheme) {
        ManagedChannel channel = Grpc.newChannelBuilder(scheme + ":///greeter", InsecureChannelCredentials.create())
                .build();
        dataPlanes.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    private SimulatedDataPlane envoy(AdminHttp admin, String nodeId, Bench.Protocol protocol) throws Exception {
        Path bootstrap = join(admin, "edge", nodeId, "envoy");
        XdsClusterChannel channel = XdsClusterChannel.of(bootstrap, TestPki.credentials(dir.resolve(nodeId + "/tls")));
        dataPlanes.add(channel);
        assertThat(channel.addresses())
                .containsExactly(
                        "127.0.0.1:" + pair.member(1).xdsPort(),
                        "127.0.0.1:" + pair.member(2).xdsPort());
        SimulatedDataPlane envoy = new SimulatedDataPlane(channel, nodeId, "edge", protocol);
        dataPlanes.add(envoy);
        return envoy;
    }

    /** The edge group's version per type on {@code admin}'s node. */
    private static Map<String, String> versions(AdminHttp admin) {
        JsonNode versions = admin.get("/api/v1/status")
                .json()
                .path("nodeGroups")
                .path("edge")
                .path("versions");
        Map<String, String> out = new TreeMap<>();
        TYPES.forEach(type -> out.put(type, versions.path(type).asText()));
        return out;
    }

    /** Whether {@code nodeId} streams from {@code admin}'s node and has ACKed {@code versions} there. */
    private static boolean ackedOn(AdminHttp admin, String nodeId, Map<String, String> versions) {
        for (JsonNode plane : admin.get("/api/v1/status").json().path("dataPlanes")) {
            if (plane.path("nodeId").asText().equals(nodeId)) {
                Map<String, String> acked = new TreeMap<>();
                TYPES.forEach(
                        type -> acked.put(type, plane.path("acked").path(type).asText()));
                return acked.equals(versions);
            }
        }
        return false;
    }

    private static Map<String, Long> responses(SimulatedDataPlane envoy) {
        Map<String, Long> out = new TreeMap<>();
        TYPES.forEach(type -> out.put(type, envoy.responses(type)));
        return out;
    }

    /** A call every 20 ms through the xDS client, counted by the site that answered or as failed. */
    private static final class Calls implements AutoCloseable {

        private final Map<String, AtomicLong> bySite = new ConcurrentHashMap<>();
        private final AtomicLong failed = new AtomicLong();
        private final Thread caller;
        private volatile String last = "";
        private volatile boolean stopped;

        Calls(ManagedChannel channel) {
            caller = Thread.ofPlatform().daemon().name("calls").start(() -> {
                while (!stopped) {
                    try {
                        last = SiteBackend.callSite(channel, 2000);
                        bySite.computeIfAbsent(last, s -> new AtomicLong()).incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        String last() {
            return last;
        }

        long failed() {
            return failed.get();
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            caller.join();
        }

        @Override
        public String toString() {
            return new TreeMap<>(bySite) + ", failed " + failed.get();
        }
    }
}
