package dev.tandem.appliance.testing;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/**
 * Two gRPC backends on loopback, {@code site-a} and {@code site-b}, and the proxyless client that
 * reaches them through {@code xds:///greeter} (bootstrap: {@link XdsClientBootstrap}).
 */
public final class TwoSites implements AutoCloseable {

    private static final String GREETER = """
            kind: Gateway
            metadata: {name: mesh}
            spec: {nodeGroup: grpc-clients, dataPlane: proxyless-grpc}
            ---
            kind: Route
            metadata: {name: greeter}
            spec:
              gateways: [mesh]
              hosts: [greeter]
              match: {pathPrefix: /tandem.test.Site/}
              to: {failoverScheme: greeter}
              timeout: 5s
              retries: {attempts: 2, retryOn: [unavailable]}
            ---
            %s---
            kind: FailoverScheme
            metadata: {name: greeter}
            spec: {primary: %s, failover: [%s]}
            """;

    private final SiteBackend siteB = new SiteBackend("site-b", 0).start();
    private SiteBackend siteA;
    private ManagedChannel channel;

    /** Site A comes back on its port after {@link #stopA()}: a port from outside the ephemeral range. */
    public TwoSites() throws Exception {
        siteA = Ports.bind(port -> new SiteBackend("site-a", port).start());
    }

    public int portA() {
        return siteA.port();
    }

    public int portB() {
        return siteB.port();
    }

    /**
     * The two sites as Upstream documents ({@code site-a}, {@code site-b}), each endpoint in its own
     * region; {@code siteASpec} adds lines (two-space indented) to site A's spec.
     */
    public String upstreams(String siteASpec) {
        return """
                kind: Upstream
                metadata: {name: site-a}
                spec:
                %s  endpoints: [{address: 127.0.0.1, port: %d, locality: {region: site-a}}]
                ---
                kind: Upstream
                metadata: {name: site-b}
                spec:
                  endpoints: [{address: 127.0.0.1, port: %d, locality: {region: site-b}}]
                """.formatted(siteASpec, portA(), portB());
    }

    /**
     * The proxyless node group {@code grpc-clients} (gateway {@code mesh}) whose route {@code greeter}
     * goes to the failover scheme {@code greeter}: {@code primary}, then {@code failover} (site names),
     * with both sites as Upstreams ({@link #upstreams}).
     */
    public String greeter(String primary, String failover) {
        return GREETER.formatted(upstreams(""), primary, failover);
    }

    /** Site A's process dies. */
    public void stopA() {
        siteA.stop();
    }

    /** Site A comes back on its port. */
    public void restartA() {
        siteA = new SiteBackend("site-a", siteA.port()).start();
    }

    /** One call through the xDS client (created on first use); returns the site that answered. */
    public String call() {
        synchronized (this) {
            if (channel == null) {
                XdsClientBootstrap.xdsPort();
                channel = Grpc.newChannelBuilder("xds:///greeter", InsecureChannelCredentials.create())
                        .build();
            }
        }
        return SiteBackend.callSite(channel, 2000);
    }

    @Override
    public void close() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        siteA.close();
        siteB.close();
    }
}
