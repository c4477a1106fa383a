package dev.tandem.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.tandem.xds.serve.SotwAnswers.Answer;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.EdsClusterConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The answer rule alone, as a table: what a client holds and asks for, a snapshot of one type and the
 * labels this process knows, and what it must be sent (resources in order, what it then holds, what
 * waits to re-warm) or that it must be sent nothing.
 */
class SotwAnswersTest {

    private static final NameSets NAMES = new NameSets();
    private static final SotwAnswers ANSWERS = new SotwAnswers(NAMES);
    /** Clusters whose assignment has another name than the cluster. */
    private static final Map<String, String> EDS_SERVICES = Map.of("c", "svc-c");

    static Stream<Case> cases() {
        return Stream.of(
                listeners("wildcard listeners at the label they hold: nothing")
                        .holds(Holding.complete("L1"))
                        .snapshot("L1", "http=1")
                        .sendsNothing(),
                listeners("wildcard listeners at a new label: all of them")
                        .holds(Holding.complete("L1"))
                        .had("L1", "http=1")
                        .snapshot("L2", "http=2", "https=1")
                        .sends(Holding.complete("L2"), "http", "https"),
                listeners("a wildcard subscriber this process does not know, at the current label: nothing")
                        .holds(SotwAnswers.presented(ResourceType.LISTENER, true, "L1"))
                        .snapshot("L1", "http=1")
                        .sendsNothing(),
                clusters("named clusters, a name added at the same label: every named one")
                        .asks("a", "b")
                        .holds(new Holding("L1", NAMES.of(List.of("a")), NAMES.of(List.of("a"))))
                        .snapshot("L1", "a=1", "b=1", "c=1")
                        .sends(new Holding("L1", NAMES.of(List.of("a", "b")), NAMES.of(List.of("a", "b"))), "a", "b"),
                clusters("named clusters, the same names at the same label: nothing")
                        .asks("a", "b")
                        .holdsAsAsked("L1", "a", "b")
                        .snapshot("L1", "a=1", "b=1", "c=1")
                        .sendsNothing(),
                clusters("named clusters, one not in the snapshot: the others")
                        .asks("a", "x")
                        .holds(Holding.NONE)
                        .snapshot("L1", "a=1", "b=1")
                        .sends(new Holding("L1", Set.of("a"), Set.of("a", "x")), "a"),
                clusters("a named subscriber this process does not know: its clusters again")
                        .asks("a")
                        .holds(SotwAnswers.presented(ResourceType.CLUSTER, false, "L1"))
                        .snapshot("L1", "a=1", "b=1")
                        .sends(new Holding("L1", Set.of("a"), Set.of("a")), "a"),
                clusters("a changed cluster: its assignment waits for the next endpoints answer, a new one's does not")
                        .holds(Holding.complete("L1"))
                        .had("L1", "a=1", "b=1")
                        .snapshot("L2", "a=1", "b=2", "d=1")
                        .sends(Holding.complete("L2"), "a", "b", "d")
                        .rewarms("b"),
                clusters("a changed cluster with an EDS service name: that name re-warms")
                        .holds(Holding.complete("L1"))
                        .had("L1", "b=1", "c=1")
                        .snapshot("L2", "b=1", "c=2")
                        .sends(Holding.complete("L2"), "b", "c")
                        .rewarms("svc-c"),
                clusters("clusters from a label this process does not know: every assignment may re-warm")
                        .holds(Holding.complete("L0"))
                        .snapshot("L2", "a=1", "c=1")
                        .sends(Holding.complete("L2"), "a", "c")
                        .rewarms("a", "svc-c"),
                clusters("a first clusters answer: nothing to re-warm")
                        .holds(Holding.NONE)
                        .snapshot("L1", "a=1")
                        .sends(Holding.complete("L1"), "a"),
                clusters("a changed cluster on a stream that is not ADS: nothing to re-warm")
                        .notAds()
                        .holds(Holding.complete("L1"))
                        .had("L1", "a=1")
                        .snapshot("L2", "a=2")
                        .sends(Holding.complete("L2"), "a"),
                endpoints("the same request from a known label: only what changed")
                        .asks("a", "b", "c")
                        .holdsAsAsked("L1", "a", "b", "c")
                        .had("L1", "a=1", "b=1", "c=1")
                        .snapshot("L2", "a=2", "b=1", "c=1")
                        .sends(asAsked("L2", "a", "b", "c"), "a"),
                endpoints("assignments waiting to re-warm: what changed, then the waiting ones, sorted")
                        .asks("a", "b", "c")
                        .holdsAsAsked("L1", "a", "b", "c")
                        .pending("b", "a")
                        .had("L1", "a=1", "b=1", "c=1")
                        .snapshot("L2", "a=1", "b=1", "c=2")
                        .sends(asAsked("L2", "a", "b", "c"), "c", "a", "b")
                        .carries("a", "b"),
                endpoints("a request answered before under other names: compared name by name, in its order")
                        .asks("a", "b", "c")
                        .holds(new Holding("L1", NAMES.of(List.of("a", "b", "c")), null))
                        .pending("a")
                        .had("L1", "a=1", "b=1", "c=1")
                        .snapshot("L2", "a=1", "b=1", "c=2")
                        .sends(asAsked("L2", "a", "b", "c"), "a", "c")
                        .carries("a"),
                endpoints("a changed assignment that also waits to re-warm: sent once")
                        .asks("a", "b")
                        .holdsAsAsked("L1", "a", "b")
                        .pending("a")
                        .had("L1", "a=1", "b=1")
                        .snapshot("L2", "a=2", "b=1")
                        .sends(asAsked("L2", "a", "b"), "a")
                        .carries("a"),
                endpoints("re-warm at the label the client holds: the waiting assignment alone")
                        .asks("a", "b")
                        .holdsAsAsked("L1", "a", "b")
                        .pending("b")
                        .snapshot("L1", "a=1", "b=1")
                        .sends(asAsked("L1", "a", "b"), "b")
                        .carries("b"),
                endpoints("a label this process does not know: every subscribed one")
                        .asks("a", "b", "c")
                        .holdsAsAsked("L0", "a", "b", "c")
                        .snapshot("L2", "a=1", "b=1", "c=1")
                        .sends(asAsked("L2", "a", "b", "c"), "a", "b", "c"),
                endpoints("a client this process does not know, at the current label: everything subscribed")
                        .asks("a", "b")
                        .holds(SotwAnswers.presented(ResourceType.ENDPOINT, false, "L1"))
                        .snapshot("L1", "a=1", "b=1", "c=1")
                        .sends(asAsked("L1", "a", "b"), "a", "b"),
                endpoints("a name unsubscribed and subscribed again: sent again")
                        .asks("a", "b", "c")
                        .holds(ANSWERS.subscribedOnly(
                                new Holding("L1", NAMES.of(List.of("a", "b", "c")), null), NAMES.of(List.of("a", "c"))))
                        .snapshot("L1", "a=1", "b=1", "c=1")
                        .sends(asAsked("L1", "a", "b", "c"), "b"),
                endpoints("a change of another assignment: an empty answer that moves the version")
                        .asks("b")
                        .holdsAsAsked("L1", "b")
                        .had("L1", "a=1", "b=1")
                        .snapshot("L2", "a=2", "b=1")
                        .sends(asAsked("L2", "b")),
                endpoints("the same label again: nothing")
                        .asks("a", "b")
                        .holdsAsAsked("L1", "a", "b")
                        .snapshot("L1", "a=1", "b=1")
                        .sendsNothing(),
                endpoints("an assignment that appears later: sent alone")
                        .asks("a", "b", "d")
                        .holdsAsAsked("L1", "a", "b")
                        .had("L1", "a=1", "b=1")
                        .snapshot("L2", "a=1", "b=1", "d=1")
                        .sends(asAsked("L2", "a", "b", "d"), "d"),
                endpoints("a subscribed assignment that went away: the client no longer holds it")
                        .asks("a", "b")
                        .holdsAsAsked("L1", "a", "b")
                        .had("L1", "a=1", "b=1")
                        .snapshot("L2", "a=2")
                        .sends(new Holding("L2", Set.of("a"), Set.of("a", "b")), "a"),
                endpoints("a wildcard subscriber: what differs of every assignment")
                        .holds(new Holding("L1", NAMES.of(List.of("a", "b")), null))
                        .had("L1", "a=1", "b=1")
                        .snapshot("L2", "a=1", "b=2", "c=1")
                        .sends(new Holding("L2", Set.of("a", "b", "c"), null), "b", "c"),
                routes("routes do not re-warm: a new label with the same content moves the version")
                        .asks("edge")
                        .holdsAsAsked("L1", "edge")
                        .pending("edge")
                        .had("L1", "edge=1")
                        .snapshot("L2", "edge=1")
                        .sends(asAsked("L2", "edge")),
                routes("a changed route table")
                        .asks("edge")
                        .holdsAsAsked("L1", "edge")
                        .had("L1", "edge=1")
                        .snapshot("L2", "edge=2")
                        .sends(asAsked("L2", "edge"), "edge"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersWhatTheClientLacks(Case c) {
        Optional<Answer> answer =
                ANSWERS.answer(c.type, c.ads, c.requested, c.has, c.pending, c.label, c.resources(), c.history());

        assertThat(answer.map(SotwAnswersTest::sent)).isEqualTo(c.expected);
    }

    @Test
    void aClientThatPresentsNoVersionHoldsNothing() {
        assertThat(SotwAnswers.presented(ResourceType.CLUSTER, true, "")).isSameAs(Holding.NONE);
        assertThat(SotwAnswers.presented(ResourceType.ENDPOINT, false, "")).isSameAs(Holding.NONE);
    }

    @Test
    void aVersionSaysEverythingOnlyForWildcardListenersAndClusters() {
        assertThat(SotwAnswers.presented(ResourceType.LISTENER, true, "L1")).isEqualTo(Holding.complete("L1"));
        assertThat(SotwAnswers.presented(ResourceType.CLUSTER, false, "L1"))
                .isEqualTo(new Holding("L1", Set.of(), null));
        assertThat(SotwAnswers.presented(ResourceType.ROUTE, true, "L1")).isEqualTo(new Holding("L1", Set.of(), null));
    }

    @Test
    void unsubscribedNamesAreForgottenAndTheRestIsTheSameSharedSet() {
        Holding had = new Holding("L1", NAMES.of(List.of("a", "b", "c")), NAMES.of(List.of("a", "b", "c")));
        Set<String> fewer = NAMES.of(List.of("c", "a"));

        Holding kept = ANSWERS.subscribedOnly(had, fewer);

        assertThat(kept).isEqualTo(new Holding("L1", Set.of("a", "c"), null));
        assertThat(kept.names()).isSameAs(fewer);
        assertThat(ANSWERS.subscribedOnly(had, had.requested()))
                .as("the same request: untouched")
                .isSameAs(had);
        assertThat(ANSWERS.subscribedOnly(had, NAMES.of(List.of("a", "b", "c", "d"))))
                .isSameAs(had);
        assertThat(ANSWERS.subscribedOnly(had, Set.of()))
                .as("a wildcard request keeps everything")
                .isSameAs(had);
    }

    private static Sent sent(Answer answer) {
        List<String> names = new ArrayList<>();
        for (Message m : answer.resources()) {
            names.add(
                    switch (m) {
                        case Listener l -> l.getName();
                        case Cluster cl -> cl.getName();
                        case ClusterLoadAssignment cla -> cla.getClusterName();
                        case RouteConfiguration r -> r.getName();
                        default -> throw new AssertionError(m);
                    });
        }
        return new Sent(names, answer.holding(), answer.rewarm(), answer.warmed());
    }

    private static Holding asAsked(String label, String... names) {
        return new Holding(label, NAMES.of(List.of(names)), NAMES.of(List.of(names)));
    }

    private static Case listeners(String name) {
        return new Case(name, ResourceType.LISTENER);
    }

    private static Case clusters(String name) {
        return new Case(name, ResourceType.CLUSTER);
    }

    private static Case endpoints(String name) {
        return new Case(name, ResourceType.ENDPOINT);
    }

    private static Case routes(String name) {
        return new Case(name, ResourceType.ROUTE);
    }

    private static Message resource(ResourceType type, String name) {
        return switch (type) {
            case LISTENER -> Listener.newBuilder().setName(name).build();
            case CLUSTER ->
                Cluster.newBuilder()
                        .setName(name)
                        .setEdsClusterConfig(
                                EdsClusterConfig.newBuilder().setServiceName(EDS_SERVICES.getOrDefault(name, "")))
                        .build();
            case ENDPOINT ->
                ClusterLoadAssignment.newBuilder().setClusterName(name).build();
            case ROUTE -> RouteConfiguration.newBuilder().setName(name).build();
            case SECRET -> throw new AssertionError("no secret cases");
        };
    }

    /** "a=1", "b=2": names and their versions, in order. */
    private static Map<String, String> versions(String... nameVersions) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (String nv : nameVersions) {
            String[] parts = nv.split("=", 2);
            versions.put(parts[0], parts[1]);
        }
        return versions;
    }

    /** What an answer sends, as the table says it. */
    private record Sent(List<String> names, Holding holding, Set<String> rewarm, Set<String> warmed) {}

    /** One row: a client, a snapshot of one type, the labels known before it, and what the client must be sent. */
    static final class Case {
        final String name;
        final ResourceType type;
        boolean ads = true;
        Set<String> requested = Set.of();
        Holding has = Holding.NONE;
        Set<String> pending = Set.of();
        final Map<String, Map<String, String>> had = new LinkedHashMap<>();
        String label;
        Map<String, String> snapshot;
        Optional<Sent> expected;

        Case(String name, ResourceType type) {
            this.name = name;
            this.type = type;
        }

        Case notAds() {
            ads = false;
            return this;
        }

        Case asks(String... names) {
            requested = NAMES.of(List.of(names));
            return this;
        }

        Case holds(Holding holding) {
            has = holding;
            return this;
        }

        /** Holds {@code names} at {@code label}, answered for the request it asks now (the same interned set). */
        Case holdsAsAsked(String label, String... names) {
            return holds(new Holding(label, NAMES.of(List.of(names)), requested));
        }

        Case pending(String... names) {
            pending = Set.of(names);
            return this;
        }

        /** A label this process served before the snapshot's. */
        Case had(String label, String... nameVersions) {
            had.put(label, versions(nameVersions));
            return this;
        }

        Case snapshot(String label, String... nameVersions) {
            this.label = label;
            this.snapshot = versions(nameVersions);
            return this;
        }

        Case sends(Holding next, String... names) {
            expected = Optional.of(new Sent(List.of(names), next, Set.of(), Set.of()));
            return this;
        }

        Case rewarms(String... names) {
            Sent s = expected.orElseThrow();
            expected = Optional.of(new Sent(s.names(), s.holding(), Set.of(names), s.warmed()));
            return this;
        }

        Case carries(String... names) {
            Sent s = expected.orElseThrow();
            expected = Optional.of(new Sent(s.names(), s.holding(), s.rewarm(), Set.of(names)));
            return this;
        }

        Case sendsNothing() {
            expected = Optional.empty();
            return this;
        }

        Map<String, VersionedResource<?>> resources() {
            Map<String, VersionedResource<?>> resources = new LinkedHashMap<>();
            snapshot.forEach(
                    (name, version) -> resources.put(name, VersionedResource.create(resource(type, name), version)));
            return resources;
        }

        /** What the cache knows when it answers: the labels before, and the snapshot's own (set before it answers). */
        TypeHistory history() {
            TypeHistory history = new TypeHistory();
            had.forEach(history::remember);
            history.remember(label, snapshot);
            return history;
        }

        @Override
        public String toString() {
            return type + ": " + name;
        }
    }
}
