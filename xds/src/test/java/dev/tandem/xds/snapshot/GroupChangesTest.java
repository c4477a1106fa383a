package dev.tandem.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.snapshot.GroupChanges.TypeChanges;
import dev.tandem.xds.translate.GroupResources;
import dev.tandem.xds.translate.Translator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** Cluster and endpoint names are {@code upstream:<name>} (ResourceNames): the names a dry run lists. */
class GroupChangesTest {

    private static final String NORTH = """
            kind: Gateway
            metadata: {name: north}
            spec:
              nodeGroup: north
              listeners: [{name: http, port: 80}]
            """;
    private static final String SOUTH = """
            ---
            kind: Gateway
            metadata: {name: south}
            spec:
              nodeGroup: south
              listeners: [{name: http, port: 80}]
            ---
            kind: Route
            metadata: {name: api-south}
            spec:
              gateways: [south]
              hosts: ["*"]
              to: {upstream: api}
            """;
    private static final String API_ROUTE = """
            ---
            kind: Route
            metadata: {name: api-north}
            spec:
              gateways: [north]
              hosts: ["*"]
              to: {upstream: api}
            """;
    private static final String STATIC_ROUTE = """
            ---
            kind: Route
            metadata: {name: static-north}
            spec:
              gateways: [north]
              hosts: ["*"]
              match: {pathPrefix: /static}
              to: {upstream: static}
            """;

    @Test
    void theSameConfigChangesNothing() throws Exception {
        String yaml = NORTH + API_ROUTE + upstream("api", "10.9.0.1");
        assertThat(GroupChanges.between(groups(yaml), groups(yaml))).isEmpty();
    }

    @Test
    void anEndpointMoveChangesOnlyThatUpstreamsEndpoints() throws Exception {
        SortedMap<String, GroupChanges> changes = GroupChanges.between(
                groups(NORTH + API_ROUTE + upstream("api", "10.9.0.1")),
                groups(NORTH + API_ROUTE + upstream("api", "10.9.0.9")));

        assertThat(changes).containsOnlyKeys("north");
        assertThat(changes.get("north").byType())
                .containsOnlyKeys(XdsType.ENDPOINTS)
                .containsEntry(XdsType.ENDPOINTS, new TypeChanges(List.of(), List.of("upstream:api"), List.of()));
    }

    @Test
    void aNewRouteToANewUpstreamAddsItsClusterAndChangesTheRouteTable() throws Exception {
        String before = NORTH + API_ROUTE + upstream("api", "10.9.0.1");
        String after = before + STATIC_ROUTE + upstream("static", "10.9.0.2");

        GroupChanges north = GroupChanges.between(groups(before), groups(after)).get("north");

        assertThat(north.byType().get(XdsType.CLUSTERS).added()).containsExactly("upstream:static");
        assertThat(north.byType().get(XdsType.ENDPOINTS).added()).containsExactly("upstream:static");
        assertThat(north.byType().get(XdsType.ROUTES).changed()).hasSize(1);
        assertThat(north.byType()).doesNotContainKey(XdsType.LISTENERS);
        // Removing it again is the mirror image.
        GroupChanges back = GroupChanges.between(groups(after), groups(before)).get("north");
        assertThat(back.byType().get(XdsType.CLUSTERS).removed()).containsExactly("upstream:static");
    }

    @Test
    void aGroupThatAppearsGetsEverythingAddedAndOneThatGoesHasEverythingRemoved() throws Exception {
        String northOnly = NORTH + API_ROUTE + upstream("api", "10.9.0.1");
        String both = northOnly + SOUTH;

        SortedMap<String, GroupChanges> added = GroupChanges.between(groups(northOnly), groups(both));
        assertThat(added).containsOnlyKeys("south");
        assertThat(added.get("south").byType().get(XdsType.LISTENERS).added()).isNotEmpty();
        assertThat(added.get("south").byType().get(XdsType.CLUSTERS).added()).containsExactly("upstream:api");
        assertThat(added.get("south").byType().values())
                .allSatisfy(t -> assertThat(t.changed()).isEmpty());

        SortedMap<String, GroupChanges> removed = GroupChanges.between(groups(both), groups(northOnly));
        assertThat(removed).containsOnlyKeys("south");
        assertThat(removed.get("south").byType().get(XdsType.CLUSTERS).removed())
                .containsExactly("upstream:api");
        assertThat(removed.get("south").byType().values())
                .allSatisfy(t -> assertThat(t.added()).isEmpty());
    }

    private static String upstream(String name, String address) {
        return """
                ---
                kind: Upstream
                metadata: {name: %s}
                spec:
                  endpoints: [{address: %s, port: 8080}]
                """.formatted(name, address);
    }

    private static Map<String, GroupResources> groups(String yaml) throws Exception {
        return Translator.translate(ConfigLoader.load(yaml));
    }
}
