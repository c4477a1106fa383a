package dev.tandem.appliance;

import dev.tandem.appliance.ApplianceConfig.Endpoint;
import dev.tandem.appliance.api.AdminApi;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.TlsContexts;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.net.BindException;
import javax.net.ssl.X509KeyManager;

/**
 * The admin API's HTTPS server (Helidon SE): always TLS with the server certificate; a client
 * certificate is asked for but optional (only a data plane renewing its certificate presents one).
 */
final class AdminServer implements AutoCloseable {

    /** The largest request body: an apply of a config with thousands of documents fits. */
    private static final long MAX_APPLY_BYTES = 8L * 1024 * 1024;

    private final WebServer server;

    private AdminServer(WebServer server) {
        this.server = server;
    }

    /**
     * Starts listening on {@code endpoint} (port 0: any free port).
     *
     * @throws BindException when it cannot listen there (as the JDK's own, for callers that retry on another port)
     */
    static AdminServer start(
            Endpoint endpoint, X509KeyManager serverKeys, CertificateTrust clientTrust, HttpRouting.Builder routing)
            throws BindException {
        WebServer server = WebServer.builder()
                .host(endpoint.address())
                .port(endpoint.port())
                .tls(Tls.builder()
                        .sslContext(TlsContexts.context(serverKeys, clientTrust))
                        .clientAuth(TlsClientAuth.OPTIONAL)
                        .build())
                .shutdownHook(false)
                .maxPayloadSize(MAX_APPLY_BYTES)
                .directHandlers(AdminApi.directHandlers(MAX_APPLY_BYTES))
                .routing(routing)
                .build()
                .start();
        if (server.port() < 0) {
            // Helidon logs a listener that cannot bind and starts without it; an appliance without its
            // admin API must not start.
            server.stop();
            throw new BindException("cannot listen for the admin API on " + endpoint.address() + ":" + endpoint.port()
                    + " (address in use, or not an address of this host)");
        }
        return new AdminServer(server);
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}
