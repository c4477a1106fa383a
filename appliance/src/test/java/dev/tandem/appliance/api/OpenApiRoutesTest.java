package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The routes the admin API declares and the operations {@code openapi.yaml} documents are the same
 * set: a route without its operation in the document fails the build, and so does an operation that
 * no route serves. The routes are those {@link RouteTable} records as {@link AdminApi#routing} registers
 * them, with export enabled (so {@code /api/v1/export} is there); Helidon's {@code {name}} path
 * parameters are spelt as OpenAPI's.
 */
class OpenApiRoutesTest {

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() throws Exception {
        RouteTable routes = new RouteTable();
        try (AdminApiFixture fixture = AdminApiFixture.start(Clock.systemUTC())) {
            HttpRouting.Builder routing = HttpRouting.builder();
            fixture.routing(routing, routes);
            routing.build();
        }
        Set<String> routed = routes.routes().stream()
                .map(r -> r.method().text() + " " + r.pattern())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> documented = OpenApiDocument.load().operations().stream()
                .map(OpenApiDocument.Operation::key)
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(routed).as("the admin API declares its routes").contains("GET /api/v1/status", "GET /healthz");
        assertThat(difference(routed, documented))
                .as("routes without their operation in openapi.yaml")
                .isEmpty();
        assertThat(difference(documented, routed))
                .as("operations in openapi.yaml that no route serves")
                .isEmpty();
    }

    private static Set<String> difference(Set<String> of, Set<String> without) {
        Set<String> out = new TreeSet<>(of);
        out.removeAll(without);
        return out;
    }
}
