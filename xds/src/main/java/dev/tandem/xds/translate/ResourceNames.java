package dev.tandem.xds.translate;

import dev.tandem.xds.model.Gateway;
import dev.tandem.xds.model.Gateway.GatewayListener;
import dev.tandem.xds.model.Route.Target;

/**
 * Envoy resource names, derived only from model names so that every peer names everything alike.
 * The {@code kind:} prefixes keep an Upstream and a FailoverScheme of the same name apart.
 */
public final class ResourceNames {

    private ResourceNames() {}

    /** Socket listener of an Envoy gateway: {@code edge:http}. */
    public static String listener(Gateway gateway, GatewayListener listener) {
        return gateway.name() + ":" + listener.name();
    }

    /** The route table every listener of an Envoy gateway uses: the gateway's name. */
    public static String routeConfiguration(Gateway gateway) {
        return gateway.name();
    }

    /**
     * A proxyless gRPC client dialing {@code xds:///orders} asks for the listener {@code orders}; its
     * route table is named after the host too.
     */
    public static String apiListener(String host) {
        return host;
    }

    public static String cluster(Target target) {
        return switch (target.kind()) {
            case UPSTREAM -> "upstream:" + target.name();
            case FAILOVER_SCHEME -> "failover:" + target.name();
        };
    }
}
