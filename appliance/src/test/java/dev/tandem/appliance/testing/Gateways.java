package dev.tandem.appliance.testing;

/** Gateway configs several tests serve. */
public final class Gateways {

    /** One proxyless node group {@code mesh}: the listener {@code greeter}, one endpoint. */
    public static final String MESH = """
            kind: Gateway
            metadata: {name: mesh}
            spec: {nodeGroup: mesh, dataPlane: proxyless-grpc}
            ---
            kind: Route
            metadata: {name: greeter}
            spec: {gateways: [mesh], hosts: [greeter], to: {upstream: a}}
            ---
            kind: Upstream
            metadata: {name: a}
            spec: {endpoints: [{address: 127.0.0.1, port: 9001}]}
            """;

    private Gateways() {}

    /** One Envoy node group {@code edge}: an HTTP listener, a route to {@code orders}, one endpoint on {@code port}. */
    public static String edge(int port) {
        return """
                kind: Gateway
                metadata: {name: edge}
                spec: {nodeGroup: edge, listeners: [{name: http, port: 10000}]}
                ---
                kind: Route
                metadata: {name: orders}
                spec: {gateways: [edge], hosts: [orders.example.com], to: {upstream: orders}}
                ---
                kind: Upstream
                metadata: {name: orders}
                spec: {endpoints: [{address: 127.0.0.1, port: %d}]}
                """.formatted(port);
    }
}
