package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.testing.AdminHttp;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import dev.tandem.appliance.testing.ApplianceExtension;
import dev.tandem.appliance.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A client's mistakes on the admin API are 4xx in the one error shape, never a 500: an unknown path
 * is 404, a known path with another method 405 with {@code Allow}. None is logged as an error or
 * counted as an internal one.
 */
class AdminApiErrorsIT {

    @RegisterExtension
    final ApplianceExtension node = new ApplianceExtension("errors-it");

    @ParameterizedTest
    @CsvSource({
        "GET, /nope, 404,",
        "GET, /api/v1/nope, 404,",
        "GET, /api/v2/status, 404,",
        "POST, /api/v1/revisions/7/nope, 404,",
        "DELETE, /api/v1/revisions, 405, GET",
        "PUT, /api/v1/apply, 405, POST",
        "DELETE, /api/v1/status, 405, GET",
        "POST, /healthz, 405, GET",
        "GET, /api/v1/admin-tokens/ci/role, 405, POST",
    })
    void unknownPathsAre404AndWrongMethods405WithAllow(String method, String path, int status, String allow) {
        try (LogCapture log = LogCapture.start()) {
            Reply reply = node.admin().request(method, path, method.equals("GET") ? null : "x: 1\n");
            assertThat(reply.status()).as(method + " " + path).isEqualTo(status);
            assertThat(reply.json().path("error").asText())
                    .isEqualTo(status == 404 ? "not found" : "method not allowed");
            assertThat(reply.json().path("details").get(0).asText()).contains(path);
            assertThat(reply.body()).doesNotContain("Exception").doesNotContain("internal");
            if (allow != null) {
                assertThat(reply.headers().firstValue("Allow")).hasValue(allow);
            }
            assertThat(log.lines()).noneMatch(line -> line.startsWith("SEVERE"));
        }
        assertThat(node.admin().get("/metrics").body()).contains("tandem_admin_internal_errors_total 0.0");
    }

    @Test
    void withoutATokenTheApiNamespaceAsksForOneAndOtherPathsAre404() {
        AdminHttp anonymous = node.admin().as(null);
        assertThat(anonymous.get("/api/v1/nope").status()).isEqualTo(401);
        assertThat(anonymous.request("DELETE", "/api/v1/revisions", null).status())
                .isEqualTo(401);
        Reply nope = anonymous.get("/nope");
        assertThat(nope.status()).isEqualTo(404);
        assertThat(nope.json().path("error").asText()).isEqualTo("not found");
    }

    @Test
    void aDurationTooLongForTheClockIsAClientMistake() {
        Reply token = node.admin().post("/api/v1/join-tokens", "{\"nodeGroup\": \"edge\", \"ttl\": \"999999999h\"}");
        assertThat(token.status()).isEqualTo(400);
        assertThat(token.json().path("details").get(0).asText()).startsWith("ttl must be a duration from 1s to ");
        assertThat(node.admin().get("/metrics").body()).contains("tandem_admin_internal_errors_total 0.0");
    }

    @Test
    void aViewerIsRefusedAWriteBeforeTheMethodIsChecked() {
        // The role check comes first: a viewer learns it may not write, not which writes exist.
        String viewer = node.admin()
                .post("/api/v1/admin-tokens", "{\"name\": \"v\", \"role\": \"viewer\"}")
                .json()
                .path("token")
                .asText();
        assertThat(node.admin()
                        .as(viewer)
                        .request("DELETE", "/api/v1/revisions", null)
                        .status())
                .isEqualTo(403);
    }
}
