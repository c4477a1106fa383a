package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class StatusTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aBusyNodeIsSummedUpInHeaderLinesTablesAndTheReasonsBelowThem() throws IOException {
        JsonNode revision = JSON.readTree("""
                {"number": 7, "appliedBy": "ops", "appliedFrom": "10.0.0.5", "appliedAt": "2026-12-01T10:00:00.987654Z", "documents": 6}
                """);
        assertThat(StatusText.render(status(), revision, JSON.readTree("{\"ready\": true}")))
                .isEqualTo("""
                node:     tandem-1
                role:     standalone
                revision: 7, applied by ops from 10.0.0.5 at 2026-12-01T10:00:00Z
                serving:  ready
                xds:      insecure
                export:   to s3://tandem-exports/prod, grpc-clients 1 behind
                WARNING:  xds.insecure is set: xDS is plaintext and needs no client certificate; anyone who can connect \
                reads every node group's config

                NODE GROUP    REVISION  LISTENERS  ROUTES    CLUSTERS  ENDPOINTS  SECRETS   EXPORTED      ROLLOUT
                edge          7         0a1b2c3d   1b2c3d4e  2c3d4e5f  3d4e5f60   e3b0c442  7             HALTED
                grpc-clients  6         4e5f6071   5f607182  60718293  718293a4   e3b0c442  5 (1 behind)  -

                rollout of edge halted at revision 7: envoy-2 rejected clusters 2c3d4e5f at 2026-12-01T10:02:03Z: \
                cluster 'orders': unknown field lb_policy MAGLEV
                export of grpc-clients revision 6 failed at 2026-12-01T10:01:30Z: s3://tandem-exports/prod: connection refused

                DATA PLANE  NODE GROUP  PROTOCOL  LISTENERS  ROUTES    CLUSTERS       ENDPOINTS  SECRETS   NACKS  CONNECTED
                envoy-1     edge        delta     0a1b2c3d   1b2c3d4e  2c3d4e5f       3d4e5f60   e3b0c442  0      2026-12-01T09:57:00Z
                envoy-2     edge        sotw      0a1b2c3d   1b2c3d4e  NACK 2c3d4e5f  3d4e5f60   -         1      2026-12-01T09:58:00Z

                envoy-2 last rejected clusters 2c3d4e5f at 2026-12-01T10:02:03Z: cluster 'orders': unknown field lb_policy MAGLEV
                """);
    }

    @Test
    void aRevisionThatIsNotPublishedIsSaidWithItsReason() throws IOException {
        ObjectNode status = (ObjectNode) status();
        status.set("publication", JSON.readTree("""
                {"revision": 7, "published": false, "error": "revision 7 could not be published to node group(s) 'edge' (x)",
                 "attempts": 3, "since": "2026-12-01T10:05:00.123Z"}
                """));
        assertThat(StatusText.render(status, MissingNode.getInstance(), JSON.readTree("{\"ready\": false}")))
                .contains(
                        "publish:  revision 7 NOT published (attempt 3, since 2026-12-01T10:05:00Z): revision 7 could not be "
                                + "published to node group(s) 'edge' (x); it is stored and retried\n");
        status.set(
                "publication",
                JSON.readTree("{\"revision\": 7, \"published\": false, \"error\": null, \"attempts\": 1}"));
        assertThat(StatusText.render(status, MissingNode.getInstance(), JSON.readTree("{\"ready\": true}")))
                .contains("publish:  revision 7 being published\n");
        status.set("publication", JSON.readTree("{\"revision\": 7, \"published\": true, \"attempts\": 1}"));
        assertThat(StatusText.render(status, MissingNode.getInstance(), JSON.readTree("{\"ready\": true}")))
                .doesNotContain("publish:");
    }

    @Test
    void aNackOfAVersionTheGroupNoLongerServesIsNotShownAsTheDataPlanesState() throws IOException {
        JsonNode status = status();
        ((ObjectNode) status.path("nodeGroups").path("edge").path("versions"))
                .put("clusters", "77777777777777777777777777777777");
        String text = StatusText.render(status, MissingNode.getInstance(), MissingNode.getInstance());
        assertThat(text)
                .containsPattern("envoy-2 +edge +sotw +0a1b2c3d +1b2c3d4e +99999999 ")
                .contains("envoy-2 last rejected clusters 2c3d4e5f")
                .contains("revision: 7\n")
                .contains("serving:  unknown (/readyz did not answer)");
    }

    @Test
    void aNewNodeSaysInWordsThatThereIsNothingYet() throws IOException {
        JsonNode status = JSON.readTree("""
                {"node": "tandem-1", "role": "standalone", "revision": 0, "security": {"xds": "mtls"},
                 "nodeGroups": {}, "dataPlanes": [], "export": null}
                """);
        assertThat(StatusText.render(status, MissingNode.getInstance(), JSON.readTree("{\"ready\": false}")))
                .isEqualTo("""
                node:     tandem-1
                role:     standalone
                revision: none applied yet
                serving:  NOT READY (the xDS servers or the snapshots are not up)
                xds:      mtls
                export:   disabled (export.enabled: false)

                no node groups served

                no data planes connected
                """);
    }

    private static JsonNode status() throws IOException {
        try (InputStream in = StatusTextTest.class.getResourceAsStream("/cli/status.json")) {
            return JSON.readTree(in);
        }
    }
}
