package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** What {@code tandem doctor} concludes from every member's answer, beyond each member's own problems. */
class DoctorCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoWritersAreAnErrorNamingBoth() throws Exception {
        ArrayNode problems = crossChecks("""
                [{"name": "tandem-1", "health": {"writable": true, "epoch": 2}, "clockOffsetMs": 3},
                 {"name": "tandem-2", "health": {"writable": true, "epoch": 2}, "clockOffsetMs": -4}]
                """);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.path("check").asText()).isEqualTo("writer");
            assertThat(p.path("severity").asText()).isEqualTo("error");
            assertThat(p.path("member").isNull()).isTrue();
            assertThat(p.path("message").asText()).isEqualTo("2 peers accept writes: tandem-1, tandem-2");
        });
    }

    @Test
    void noWriterWithAMemberDownPointsAtTheRunbook() throws Exception {
        ArrayNode problems = crossChecks("""
                [{"name": "tandem-1", "reachable": false},
                 {"name": "tandem-2", "health": {"writable": false, "epoch": 1}, "clockOffsetMs": 0}]
                """);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.path("message").asText()).isEqualTo("no reachable peer accepts writes");
            assertThat(p.path("action").asText())
                    .isEqualTo("if tandem-1 is down, see the failover runbook: tandem promote on the sync standby");
        });
    }

    @Test
    void aMemberAtAnOlderEpochAndAClockOffBySecondsAreReported() throws Exception {
        ArrayNode problems = crossChecks("""
                [{"name": "tandem-1", "health": {"writable": false, "epoch": 1}, "clockOffsetMs": 2500},
                 {"name": "tandem-2", "health": {"writable": true, "epoch": 2}, "clockOffsetMs": 999}]
                """);
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0).path("member").asText()).isEqualTo("tandem-1");
        assertThat(problems.get(0).path("check").asText()).isEqualTo("epoch");
        assertThat(problems.get(0).path("message").asText())
                .isEqualTo("at epoch 1, others at 2: it has not learnt of the newer active");
        assertThat(problems.get(1).path("check").asText()).isEqualTo("clock");
        assertThat(problems.get(1).path("severity").asText()).isEqualTo("warning");
        assertThat(problems.get(1).path("message").asText()).isEqualTo("its clock is 2.5 s off this host's");
    }

    @Test
    void printsOneLinePerMemberThenEachProblemWithWhatToDo() throws Exception {
        JsonNode report = JSON.readTree("""
                {"cluster": "tandem", "healthy": false,
                 "members": [
                   {"name": "tandem-1", "reachable": false},
                   {"name": "tandem-2", "clockOffsetMs": -12, "health": {"role": "active", "epoch": 2, "revision": 7,
                     "serving": true, "writable": true, "dataPlanes": {"edge": 3, "mesh": 0}}}],
                 "problems": [
                   {"member": "tandem-1", "check": "reachable", "severity": "error", "message": "unreachable at x",
                    "action": "start it"},
                   {"member": "tandem-2", "check": "nack", "severity": "warning", "message": "envoy-1 rejected",
                    "action": "fix it"}]}
                """);
        assertThat(DoctorCommand.text(report))
                .containsPattern("tandem-1 +unreachable")
                .containsPattern("tandem-2 +active +2 +7 +yes +yes +-12 ms +edge 3, mesh 0")
                .contains("PROBLEM tandem-1: reachable: unreachable at x -> start it\n")
                .contains("WARNING tandem-2: nack: envoy-1 rejected -> fix it\n")
                .endsWith("UNHEALTHY: fix the problems above, then run tandem doctor again\n");
    }

    private static ArrayNode crossChecks(String members) throws Exception {
        ObjectNode report = JSON.createObjectNode();
        ArrayNode problems = report.putArray("problems");
        DoctorCommand.crossChecks((ArrayNode) JSON.readTree(members), problems);
        return problems;
    }
}
