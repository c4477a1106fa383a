package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
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
                        + " revisions 5); tandem peers diverged show EPOCH:INDEX prints one");
    }

    @Test
    void saysNothingOfDivergenceWhenThereIsNone() throws Exception {
        JsonNode peers = JSON.readTree("""
                {"cluster": "tandem", "self": "tandem-1", "role": "active", "epoch": 1,
                 "active": {"name": "tandem-1"}, "members": [], "diverged": []}
                """);
        assertThat(PeersCommand.text(peers)).doesNotContain("DIVERGED");
    }

    @Test
    void aDivergedEntryIsNamedAsEpochColonIndex() {
        StringWriter err = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setErr(new PrintWriter(err))
                .execute("peers", "diverged", "show", "9", "--server", "https://127.0.0.1:1", "--token-file", "/none");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .contains("tandem peers diverged: '9' is not EPOCH:INDEX (for example 1:9, as tandem peers lists)");
    }
}
