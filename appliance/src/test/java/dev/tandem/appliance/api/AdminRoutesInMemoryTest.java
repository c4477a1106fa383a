package dev.tandem.appliance.api;

import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;

/** {@link AdminRoutesContract} in memory: the routing called directly, no socket. */
@RoutingTest
class AdminRoutesInMemoryTest extends AdminRoutesContract {

    AdminRoutesInMemoryTest(DirectClient client) {
        super(client);
    }
}
