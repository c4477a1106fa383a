package dev.tandem.xds.model;

import java.util.Map;

/** What kind of data plane a gateway's node group runs; it decides the shape of the listeners. */
public enum DataPlane {
    /** Envoy: one socket Listener per gateway listener, routes by RDS. */
    ENVOY("envoy"),
    /** Proxyless gRPC (grpc-java, grpc-go, ...): one ApiListener per route host, named after the host. */
    PROXYLESS_GRPC("proxyless-grpc");

    public static final Map<String, DataPlane> BY_SPELLING = Map.of("envoy", ENVOY, "proxyless-grpc", PROXYLESS_GRPC);

    private final String spelling;

    DataPlane(String spelling) {
        this.spelling = spelling;
    }

    public String spelling() {
        return spelling;
    }
}
