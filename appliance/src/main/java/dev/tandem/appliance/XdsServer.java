package dev.tandem.appliance;

import dev.tandem.xds.serve.XdsService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The xDS port: java-control-plane's ADS service on grpc-java's Netty server. A data plane whose
 * connection dies is noticed at once (its streams are cancelled, its watches released), and
 * server-side keepalive pings find connections that died without a FIN (docs/decisions/0003).
 */
final class XdsServer implements AutoCloseable {

    /** How often an idle connection is probed, and how long a probe may go unanswered. */
    private static final long KEEPALIVE_SECONDS = 30;
    private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;
    /** Clients may ping this often without being told to back off (Envoy and gRPC keepalives). */
    private static final long PERMITTED_CLIENT_PING_SECONDS = 10;

    private final Server server;
    private final HealthStatusManager health;

    private XdsServer(Server server, HealthStatusManager health) {
        this.server = server;
        this.health = health;
    }

    /** Starts NOT_SERVING on {@code grpc.health.v1.Health}; {@link #serving(boolean)} says when config is served. */
    static XdsServer start(ApplianceConfig.Endpoint endpoint, XdsService xds) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(endpoint.address(), endpoint.port()))
                .addService(xds.aggregatedDiscoveryService())
                .addService(health.getHealthService())
                .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveTime(PERMITTED_CLIENT_PING_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("cannot listen for xDS on " + endpoint.address() + ":" + endpoint.port() + ": "
                    + e.getMessage(), e);
        }
        return new XdsServer(server, health);
    }

    /**
     * SERVING while this node serves its current config; Envoy bootstraps health-check every peer
     * with it and send ADS only to serving ones (a lagging standby will answer NOT_SERVING).
     */
    void serving(boolean serving) {
        ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
        health.setStatus(ADS_SERVICE, status);
    }

    static final String ADS_SERVICE = "envoy.service.discovery.v3.AggregatedDiscoveryService";

    int port() {
        return server.getPort();
    }

    /**
     * Ends every stream at once: ADS streams never finish by themselves, so a graceful drain would only
     * wait. Data planes keep their config and reconnect to a peer or to the restarted node.
     */
    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
