package dev.tandem.appliance.api;

import io.helidon.webserver.http.ServerRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Where a call came from, as the audit log records it. */
final class Callers {

    private Callers() {}

    /**
     * The caller's IP address. Not {@code remotePeer().host()}: over TLS that is a reverse-resolved
     * name, which an audit log must not depend on.
     */
    static String origin(ServerRequest req) {
        SocketAddress address = req.remotePeer().address();
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return req.remotePeer().host();
    }
}
