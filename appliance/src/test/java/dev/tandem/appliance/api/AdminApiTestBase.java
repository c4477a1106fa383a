package dev.tandem.appliance.api;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;

/**
 * A test class of the admin API with an appliance of its own ({@link AdminApiFixture}): started when
 * Helidon sets up the class's routing (its {@code @SetUpRoute} method calls {@link #serve}), closed
 * after its last test. The tests reach the API through {@link #client}, in memory or over HTTP.
 */
abstract class AdminApiTestBase {

    /** The appliance of the class running now (JUnit runs one class at a time, and its tests one at a time). */
    static AdminApiFixture fixture;

    final Http1Client client;

    AdminApiTestBase(Http1Client client) {
        this.client = client;
    }

    /** Starts the class's appliance on {@code clock} and adds its admin API to {@code routing}. */
    static void serve(HttpRouting.Builder routing, Clock clock) throws Exception {
        fixture = AdminApiFixture.start(clock);
        fixture.routing(routing);
    }

    @AfterAll
    static void closeFixture() {
        fixture.close();
    }
}
