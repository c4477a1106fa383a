package dev.tandem.xds.feature;

import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.model.InvalidConfigException;
import dev.tandem.xds.serve.PublishFailedException;
import dev.tandem.xds.serve.XdsService;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.GroupResources;
import dev.tandem.xds.translate.Translator;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An xDS feature harness, as Contour's {@code featuretests}: an {@link XdsService} on gRPC's
 * in-process transport (a server of its own per test, under a unique name), configs published
 * through the real load and translation, and test data planes that speak ADS to it step by step. No
 * port, no appliance: what a data plane is sent, and when, is tested at the service's public API.
 *
 * <p>Register it with {@code @RegisterExtension}: it starts before each test and closes, after it,
 * every data plane it connected, the server and the service.
 */
final class XdsHarness implements BeforeEachCallback, AfterEachCallback {

    /**
     * How long a test listens to be sure nothing is sent. Whatever the service sends in answer to a
     * request or a publish is written within milliseconds in-process; a test that must know a request
     * was handled first makes a round trip ({@link AdsTestStream#roundTrip}) rather than wait longer.
     */
    static final Duration QUIET = Duration.ofMillis(500);

    private final List<TestDataPlane> dataPlanes = new ArrayList<>();
    /** Node groups whose snapshot cannot be set (as a stream that cannot be written): the service's test seam. */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();

    private XdsService xds;
    private Server server;
    private String serverName;
    private long revision;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        xds = new XdsService(Clock.systemUTC(), group -> {
            if (failing.contains(group)) {
                throw new IllegalStateException("a stream of " + group + " could not be written");
            }
        });
        serverName = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(serverName)
                .addService(xds.aggregatedDiscoveryService())
                .build()
                .start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        try {
            for (TestDataPlane dataPlane : dataPlanes) {
                dataPlane.close();
            }
        } finally {
            server.shutdownNow();
            server.awaitTermination(ResponseQueue.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            xds.close();
        }
    }

    /** The service under test, for its halts, held requests, NACK count and connected data planes. */
    XdsService service() {
        return xds;
    }

    /** The test config {@code feature/<name>.yaml}. */
    static String config(String name) {
        String resource = "/feature/" + name + ".yaml";
        try (InputStream in = XdsHarness.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test config " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Loads and translates {@code yaml} as the write path does and publishes it as the next revision;
     * returns once every group's snapshot is set (what that sends to open streams is on its way).
     *
     * @return the snapshots served, by node group: their versions are what data planes are sent
     */
    SortedMap<String, GroupSnapshot> publish(String yaml) throws InvalidConfigException {
        return publish(Translator.translate(ConfigLoader.load(yaml)));
    }

    /** The one call of {@link XdsService}'s publishing: each group's snapshot built as the next revision, as the write path does. */
    private SortedMap<String, GroupSnapshot> publish(SortedMap<String, GroupResources> groups) {
        revision++;
        SortedMap<String, GroupSnapshot> snapshots = new TreeMap<>();
        groups.forEach((group, resources) -> snapshots.put(group, GroupSnapshot.of(resources, revision)));
        return xds.publish(revision, snapshots)
                .orTimeout(ResponseQueue.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .join();
    }

    /** From now on, setting {@code group}'s snapshot fails, until {@link #setsAgain}. */
    void failsToSet(String group) {
        failing.add(group);
    }

    void setsAgain(String group) {
        failing.remove(group);
    }

    /**
     * Publishes {@code yaml} as the next revision, expecting some groups' snapshots not to be set.
     *
     * @return the failure, naming those groups
     */
    PublishFailedException publishFailing(String yaml) throws InvalidConfigException {
        try {
            publish(yaml);
        } catch (CompletionException e) {
            if (e.getCause() instanceof PublishFailedException failed) {
                return failed;
            }
            throw e;
        }
        throw new AssertionError("the publish did not fail");
    }

    /** A new process of node {@code nodeId} of {@code nodeGroup}, on a connection of its own. */
    TestDataPlane connect(String nodeId, String nodeGroup) {
        TestDataPlane dataPlane = new TestDataPlane(
                nodeId, nodeGroup, InProcessChannelBuilder.forName(serverName).build());
        dataPlanes.add(dataPlane);
        return dataPlane;
    }
}
