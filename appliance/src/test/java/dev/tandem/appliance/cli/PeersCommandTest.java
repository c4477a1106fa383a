package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What {@code tandem peers} prints from {@code GET /api/v1/peers}. */
class PeersCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void saysWhatThisNodeMovedAside() throws Exception {
        JsonNode peers = JSON.readTree("""
                {"cluster": "tandem", "self": "tandem-1", "role": "standby", "epoch": 1001,
                 "active": {"name": "tandem-2"}, "members": [],
                 "diverged": [{"epoch": 1, "index": 9, "kind": "revision", "revision": 5, "replacedByEpoch": 1001}]}
                """);
        assertThat(PeersCommand.text(peers))
                .contains("DIVERGED: this node moved 1 entry aside when it rejoined a new active (never acknowledged;"
                        + " revisions 5); GET /api/v1/peers lists them");
    }

    @Test
    void saysNothingOfDivergenceWhenThereIsNone() throws Exception {
        JsonNode peers = JSON.readTree("""
                {"cluster": "tandem", "self": "tandem-1", "role": "active", "epoch": 1,
                 "active": {"name": "tandem-1"}, "members": [], "diverged": []}
                """);
        assertThat(PeersCommand.text(peers)).doesNotContain("DIVERGED");
    }
}
