package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.Jackson;
import dev.tandem.appliance.auth.Role;
import dev.tandem.appliance.testing.LogCapture;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * A token the filter cannot look up (the store fails) is the appliance's failure, not the caller's:
 * answered 500 with a reference the log has, as an internal error of any handler is.
 */
@RoutingTest
class TokenLookupFailureTest extends AdminApiTestBase {

    TokenLookupFailureTest(DirectClient client) {
        super(client);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws Exception {
        serve(routing, Clock.systemUTC());
    }

    @Test
    void aFailedTokenLookupIsAnInternalErrorWithAReference() throws Exception {
        String token = fixture.token(Role.ADMIN);
        fixture.dropTable("admin_token");
        try (LogCapture log = LogCapture.start()) {
            JsonNode body;
            try (Http1ClientResponse response = client.get("/api/v1/status")
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + token)
                    .request()) {
                assertThat(response.status().code()).isEqualTo(500);
                body = Jackson.MAPPER.readTree(response.as(String.class));
            }
            assertThat(body.path("error").asText()).isEqualTo("internal error");
            String detail = body.path("details").get(0).asText();
            assertThat(detail).matches("reference [0-9a-f]{8}: the appliance log has the details under this reference");
            String reference = detail.substring("reference ".length(), "reference ".length() + 8);
            // The store's own exception is what is logged, not a wrapper around it.
            assertThat(log.lines())
                    .anyMatch(
                            line -> line.startsWith(
                                    "SEVERE internal error " + reference
                                            + ": GET /api/v1/status org.h2.jdbc.JdbcSQLSyntaxErrorException: Table \"ADMIN_TOKEN\" not found"));
        }
        try (Http1ClientResponse metrics = client.get("/metrics").request()) {
            assertThat(metrics.as(String.class)).contains("tandem_admin_internal_errors_total 1.0");
        }
    }
}
