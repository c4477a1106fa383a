package dev.tandem.appliance.api;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;

/** {@link AdminRoutesContract} over HTTP: the routing in a server on 127.0.0.1, on a free port. */
@ServerTest
class AdminRoutesOverHttpIT extends AdminRoutesContract {

    AdminRoutesOverHttpIT(WebServer server) {
        super(Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build());
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        server.host("127.0.0.1");
    }
}
