package dev.tandem.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.rpc.Status;
import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.model.InvalidConfigException;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.Translator;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The state-of-the-world cache sends only what a client lacks: per resource for routes and endpoints,
 * nothing to a client that reconnects to this process with what it had, and everything it asks for to
 * a client this process does not know.
 */
class SotwCacheTest {

    private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final List<String> ASSIGNMENTS = List.of("upstream:a", "upstream:b", "upstream:c");

    private final MutableClock clock = new MutableClock();
    private final ReconnectMemory memory = new ReconnectMemory(clock);
    private SotwCache cache;
    private long revision;

    @BeforeEach
    void setUp() {
        cache = new SotwCache(memory);
        publish(config("10.0.0.1", "5s"));
    }

    @Test
    void aFirstRequestGetsEverythingAndAChangeOnlyWhatChanged() {
        Client envoy = new Client(1, "envoy-1");
        Response first = envoy.request(EDS, ASSIGNMENTS, "");
        assertThat(names(first)).containsExactlyElementsOf(ASSIGNMENTS);

        envoy.ack(EDS, first);
        assertThat(envoy.responses).as("nothing new: the watch stays open").hasSize(1);

        publish(config("10.0.0.2", "5s")); // upstream a's endpoint moves
        assertThat(envoy.responses).hasSize(2);
        assertThat(names(envoy.last())).containsExactly("upstream:a");
        assertThat(envoy.last().version()).isEqualTo(version(EDS)).isNotEqualTo(first.version());
    }

    @Test
    void aClientReconnectingToThisProcessIsSentNothingItHas() {
        Client before = new Client(1, "envoy-1");
        before.ack(EDS, before.request(EDS, ASSIGNMENTS, ""));
        before.ack(CDS, before.request(CDS, List.of(), ""));
        cache.streamClosed(1);
        assertThat(memory.entries()).isEqualTo(2);

        Client after = new Client(2, "envoy-1");
        after.request(EDS, ASSIGNMENTS, version(EDS));
        after.request(CDS, List.of(), version(CDS));
        assertThat(after.responses).as("re-sent although unchanged").isEmpty();

        publish(config("10.0.0.2", "5s"));
        assertThat(after.responses)
                .singleElement()
                .satisfies(r -> assertThat(names(r)).containsExactly("upstream:a"));
    }

    @Test
    void aClientReconnectingBeforeItsOldStreamIsSeenClosedIsSentNothingItHas() {
        Client before = new Client(1, "envoy-1");
        before.ack(EDS, before.request(EDS, ASSIGNMENTS, ""));
        Client after = new Client(2, "envoy-1");
        after.request(EDS, ASSIGNMENTS, version(EDS));
        cache.streamClosed(1);
        assertThat(after.responses).isEmpty();
        publish(config("10.0.0.2", "5s"));
        assertThat(after.responses)
                .singleElement()
                .satisfies(r -> assertThat(names(r)).containsExactly("upstream:a"));
    }

    @Test
    void aClientThisProcessDoesNotKnowGetsEveryAssignmentButNoClusterAtTheCurrentVersion() {
        Client stranger = new Client(7, "from-the-peer");
        Response endpoints = stranger.request(EDS, ASSIGNMENTS, version(EDS));
        assertThat(names(endpoints))
                .as("its version names content, not which names it holds")
                .containsExactlyElementsOf(ASSIGNMENTS);
        stranger.request(CDS, List.of(), version(CDS));
        assertThat(stranger.responses)
                .as("clusters are complete in every response: the version says it all")
                .hasSize(1);
    }

    @Test
    void theReconnectMemoryIsForgottenAfterItsTime() {
        Client before = new Client(1, "envoy-1");
        before.ack(EDS, before.request(EDS, ASSIGNMENTS, ""));
        cache.streamClosed(1);
        clock.advance(ReconnectMemory.MEMORY.plusSeconds(1));
        new Client(98, "other").request(EDS, List.of("upstream:a"), "");
        cache.streamClosed(98);
        assertThat(memory.entries()).isEqualTo(1);

        Client after = new Client(2, "envoy-1");
        assertThat(names(after.request(EDS, ASSIGNMENTS, version(EDS)))).hasSize(3);
    }

    @Test
    void aNameSubscribedAgainIsSentAgain() {
        Client envoy = new Client(1, "envoy-1");
        Response first = envoy.request(EDS, ASSIGNMENTS, "");
        envoy.ack(EDS, first, List.of("upstream:a", "upstream:c"));
        assertThat(envoy.responses).hasSize(1);
        envoy.ack(EDS, null, ASSIGNMENTS);
        assertThat(names(envoy.last())).containsExactly("upstream:b");
    }

    @Test
    void afterANackTheNextChangeIsDiffedFromWhatTheClientKept() {
        Client envoy = new Client(1, "envoy-1");
        envoy.ack(EDS, envoy.request(EDS, ASSIGNMENTS, ""));
        publish(config("10.0.0.2", "5s"));
        Response rejected = envoy.last();
        envoy.nack(EDS, rejected);

        publish(config("10.0.0.3", "5s"));
        assertThat(names(envoy.last())).containsExactly("upstream:a");
        assertThat(envoy.responses).hasSize(3);
    }

    @Test
    void aChangedClusterIsFollowedByItsAssignmentOnce() {
        Client envoy = new Client(1, "envoy-1");
        envoy.ack(CDS, envoy.request(CDS, List.of(), ""));
        envoy.ack(EDS, envoy.request(EDS, ASSIGNMENTS, ""));
        int before = envoy.responses.size();

        publish(config("10.0.0.1", "3s")); // upstream b's connect timeout: clusters only
        List<Response> pushed = envoy.responses.subList(before, envoy.responses.size());
        assertThat(pushed).extracting(r -> r.request().getTypeUrl()).containsExactly(CDS, EDS);
        assertThat(names(pushed.get(1)))
                .as("Envoy re-creates cluster b and waits for its assignment")
                .containsExactly("upstream:b");
        assertThat(pushed.get(1).version()).isEqualTo(version(EDS));

        envoy.ack(CDS, pushed.get(0));
        envoy.ack(EDS, pushed.get(1));
        assertThat(envoy.responses).hasSize(before + 2);
    }

    @Test
    void anAssignmentThatAppearsLaterIsSentAlone() {
        Client envoy = new Client(1, "envoy-1");
        List<String> withD = List.of("upstream:a", "upstream:b", "upstream:c", "upstream:d");
        Response first = envoy.request(EDS, withD, "");
        assertThat(names(first)).containsExactlyElementsOf(ASSIGNMENTS);
        envoy.ack(EDS, first);

        publish(config("10.0.0.1", "5s") + """
                ---
                kind: Route
                metadata: {name: d}
                spec: {gateways: [edge], hosts: [d.example.com], to: {upstream: d}}
                ---
                kind: Upstream
                metadata: {name: d}
                spec: {endpoints: [{address: 10.0.3.1, port: 8080}]}
                """);
        assertThat(names(envoy.last())).containsExactly("upstream:d");
        envoy.ack(EDS, envoy.last());
        publish(config("10.0.0.2", "5s"));
        assertThat(names(envoy.last()))
                .as("d is gone (its cluster too); a moved")
                .containsExactly("upstream:a");
    }

    @Test
    void aClusterNewlyNamedAtTheSameVersionIsSentWithTheOthers() {
        Client grpc = new Client(1, "grpc-1");
        Response first = grpc.request(CDS, List.of("upstream:a"), "");
        assertThat(names(first)).containsExactly("upstream:a");
        grpc.ack(CDS, first);
        // Its route now also uses b, which the group had all along: the clusters version is unchanged.
        grpc.ack(CDS, null, List.of("upstream:a", "upstream:b"));
        assertThat(grpc.responses).hasSize(2);
        assertThat(names(grpc.last())).as("clusters come complete").containsExactly("upstream:a", "upstream:b");
        assertThat(grpc.last().version()).isEqualTo(first.version());
        grpc.ack(CDS, grpc.last());
        assertThat(grpc.responses).hasSize(2);
    }

    @Test
    void aNamedSubscriberThisProcessDoesNotKnowGetsItsClustersAgain() {
        Client stranger = new Client(7, "grpc-from-the-peer");
        assertThat(names(stranger.request(CDS, List.of("upstream:a"), version(CDS))))
                .containsExactly("upstream:a");
    }

    @Test
    void aChangeOfAnotherAssignmentMovesTheVersionWithoutResources() {
        Client grpc = new Client(1, "grpc-1");
        grpc.ack(EDS, grpc.request(EDS, List.of("upstream:b"), ""));
        publish(config("10.0.0.2", "5s"));
        assertThat(grpc.last().resources())
                .as("a proxyless client that uses only b")
                .isEmpty();
        assertThat(grpc.last().version()).isEqualTo(version(EDS));
    }

    @Test
    void anIdenticalSnapshotSendsNothing() {
        Client envoy = new Client(1, "envoy-1");
        envoy.ack(EDS, envoy.request(EDS, ASSIGNMENTS, ""));
        envoy.ack(CDS, envoy.request(CDS, List.of(), ""));
        publish(config("10.0.0.1", "5s"));
        assertThat(envoy.responses).hasSize(2);
    }

    private void publish(String yaml) {
        try {
            GroupSnapshot snapshot = GroupSnapshot.of(
                    Translator.translate(ConfigLoader.load(yaml)).get("edge"), ++revision);
            cache.setSnapshot("edge", snapshot.snapshot());
        } catch (InvalidConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private String version(String typeUrl) {
        Snapshot snapshot = cache.snapshot("edge");
        return snapshot.version(Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(typeUrl));
    }

    private static String config(String addressOfA, String timeoutOfB) {
        StringBuilder yaml = new StringBuilder("""
                kind: Gateway
                metadata: {name: edge}
                spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}]}
                """);
        for (String u : List.of("a", "b", "c")) {
            String address = u.equals("a") ? addressOfA : "10.0.1." + (u.charAt(0) - 'a');
            String timeout = u.equals("b") ? ", connectTimeout: " + timeoutOfB : "";
            yaml.append("---\nkind: Route\nmetadata: {name: ")
                    .append(u)
                    .append("}\nspec: {gateways: [edge], hosts: [")
                    .append(u)
                    .append(".example.com], to: {upstream: ")
                    .append(u)
                    .append("}}\n")
                    .append("---\nkind: Upstream\nmetadata: {name: ")
                    .append(u)
                    .append("}\nspec: {endpoints: [{address: ")
                    .append(address)
                    .append(", port: 8080}]")
                    .append(timeout)
                    .append("}\n");
        }
        return yaml.toString();
    }

    private static List<String> names(Response response) {
        List<String> names = new ArrayList<>();
        for (Message m : response.resources()) {
            names.add(m instanceof ClusterLoadAssignment cla ? cla.getClusterName() : ((Cluster) m).getName());
        }
        return names;
    }

    /** One stream of a data plane, as java-control-plane's server drives the cache. */
    private final class Client {
        final long stream;
        final Node node;
        final List<Response> responses = new ArrayList<>();
        final Map<String, Watch> watches = new HashMap<>();
        /** The names of the last request per type (the cache keeps requests without them). */
        final Map<String, List<String>> names = new HashMap<>();

        Client(long stream, String nodeId) {
            this.stream = stream;
            this.node = Node.newBuilder().setId(nodeId).setCluster("edge").build();
        }

        Response request(String typeUrl, List<String> names, String version) {
            int before = responses.size();
            send(DiscoveryRequest.newBuilder()
                    .setNode(node)
                    .setTypeUrl(typeUrl)
                    .addAllResourceNames(names)
                    .setVersionInfo(version)
                    .build());
            return responses.size() > before ? last() : null;
        }

        void ack(String typeUrl, Response response) {
            ack(typeUrl, response, names.get(typeUrl));
        }

        /** @param response the one answered, or {@code null} for a new request while nothing is in flight */
        void ack(String typeUrl, Response response, List<String> names) {
            String version = response == null ? watches.get(typeUrl).request().getVersionInfo() : response.version();
            send(DiscoveryRequest.newBuilder()
                    .setNode(node)
                    .setTypeUrl(typeUrl)
                    .addAllResourceNames(names)
                    .setVersionInfo(version)
                    .setResponseNonce(response == null ? "" : "n" + responses.indexOf(response))
                    .build());
        }

        void nack(String typeUrl, Response rejected) {
            String kept = responses.stream()
                    .filter(r -> r.request().getTypeUrl().equals(typeUrl) && r != rejected)
                    .reduce((a, b) -> b)
                    .map(Response::version)
                    .orElse("");
            send(DiscoveryRequest.newBuilder()
                    .setNode(node)
                    .setTypeUrl(typeUrl)
                    .addAllResourceNames(names.get(typeUrl))
                    .setVersionInfo(kept)
                    .setResponseNonce("n" + responses.indexOf(rejected))
                    .setErrorDetail(Status.newBuilder().setMessage("no"))
                    .build());
        }

        private void send(DiscoveryRequest request) {
            names.put(request.getTypeUrl(), List.copyOf(request.getResourceNamesList()));
            Watch previous = watches.remove(request.getTypeUrl());
            if (previous != null) {
                previous.cancel();
            }
            cache.received(stream, node, request);
            watches.put(
                    request.getTypeUrl(), cache.createWatch(stream, true, XdsRequest.create(request), responses::add));
        }

        Response last() {
            return responses.get(responses.size() - 1);
        }
    }
}
