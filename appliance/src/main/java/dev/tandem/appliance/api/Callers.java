package dev.tandem.appliance.api;

import dev.tandem.appliance.auth.AdminTokens;
import io.helidon.webserver.http.ServerRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Who made a call and where it came from, as the audit log records it. */
final class Callers {

    private Callers() {}

    /**
     * The admin token that made the call: {@link BearerTokenFilter} puts it there before any handler
     * of a call that needs one runs.
     */
    static AdminTokens.Holder holder(ServerRequest req) {
        return req.context()
                .get(BearerTokenFilter.HOLDER, AdminTokens.Holder.class)
                .orElseThrow(() -> new IllegalStateException(
                        "no admin token recorded for " + req.path().path() + ": the token filter did not run"));
    }

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
