package dev.tandem.xds.model;

import java.util.Map;

/**
 * What kind of data plane a gateway's node group runs; it decides the shape of the listeners. Named a
 * kind because a data plane is a connected Envoy or gRPC client, and {@code tandem dataplane} is the
 * appliance's Envoy launcher.
 */
public enum DataPlaneKind {
    /** Envoy: one socket Listener per gateway listener, routes by RDS. */
    ENVOY("envoy"),
    /** Proxyless gRPC (grpc-java, grpc-go, ...): one ApiListener per route host, named after the host. */
    PROXYLESS_GRPC("proxyless-grpc");

    public static final Map<String, DataPlaneKind> BY_SPELLING =
            Map.of("envoy", ENVOY, "proxyless-grpc", PROXYLESS_GRPC);

    private final String spelling;

    DataPlaneKind(String spelling) {
        this.spelling = spelling;
    }

    public String spelling() {
        return spelling;
    }
}
