package dev.tandem.appliance;

import dev.tandem.appliance.ApplianceConfig.Endpoint;
import dev.tandem.appliance.XdsGrpcServer.Security.MutualTls;
import dev.tandem.xds.serve.XdsService;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The xDS port: java-control-plane's ADS service on grpc-java's Netty server. A data plane whose
 * connection dies is noticed at once (its streams are cancelled, its watches released), and
 * server-side keepalive pings find connections that died without a FIN (docs/decisions/0003).
 *
 * <p>With {@link Security#mutualTls} (the default) every connection is TLS and every call needs a
 * client certificate of the cluster CA, bound to its node group ({@link DataPlaneAuthenticator}).
 * {@link Security#insecure} serves plaintext to anyone who can connect, and says so every minute.
 * New ADS streams are admitted at a bounded rate ({@link StreamAdmission}).
 */
final class XdsGrpcServer implements AutoCloseable {

    static final String ADS_SERVICE = "envoy.service.discovery.v3.AggregatedDiscoveryService";

    private static final Logger LOG = LoggerFactory.getLogger(XdsGrpcServer.class);
    /** How often streams are checked for certificates revoked or expired since they started. */
    private static final long SWEEP_SECONDS = 10;

    private static final long INSECURE_WARNING_SECONDS = 60;

    /** How often an idle connection is probed, and how long a probe may go unanswered. */
    private static final long KEEPALIVE_SECONDS = 30;

    private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;
    /** Clients may ping this often without being told to back off (Envoy and gRPC keepalives). */
    private static final long PERMITTED_CLIENT_PING_SECONDS = 10;

    /** How the xDS port authenticates data planes: mutual TLS, or (xds.insecure) not at all. */
    record Security(Optional<MutualTls> mutualTls) {

        /** The server's key and certificate, the trust in client certificates, and the per-call check. */
        record MutualTls(
                X509KeyManager serverKeys, X509TrustManager clientTrust, DataPlaneAuthenticator authenticator) {}

        static Security mutualTls(
                X509KeyManager serverKeys, X509TrustManager clientTrust, DataPlaneAuthenticator authenticator) {
            return new Security(Optional.of(new MutualTls(serverKeys, clientTrust, authenticator)));
        }

        static Security insecure() {
            return new Security(Optional.empty());
        }

        boolean isInsecure() {
            return mutualTls.isEmpty();
        }
    }

    private final Server server;
    private final HealthStatusManager health;
    private final ScheduledExecutorService timer;
    private final Security security;

    private XdsGrpcServer(
            Server server, HealthStatusManager health, ScheduledExecutorService timer, Security security) {
        this.server = server;
        this.health = health;
        this.timer = timer;
        this.security = security;
    }

    /** Starts NOT_SERVING on {@code grpc.health.v1.Health}; {@link #serving(boolean)} says when config is served. */
    static XdsGrpcServer start(Endpoint endpoint, XdsService xds, Security security, StreamAdmission admission)
            throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
        InetSocketAddress address = new InetSocketAddress(endpoint.address(), endpoint.port());
        NettyServerBuilder builder;
        if (security.mutualTls().isEmpty()) {
            builder = NettyServerBuilder.forAddress(address).intercept(admission);
        } else {
            MutualTls tls = security.mutualTls().get();
            // OPTIONAL, not REQUIRE: a client without a certificate completes the handshake and is then
            // refused per call with a status that says what is missing, instead of a bare TLS alert.
            ServerCredentials credentials = TlsServerCredentials.newBuilder()
                    .keyManager(tls.serverKeys())
                    .trustManager(tls.clientTrust())
                    .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                    .build();
            // Interceptors run last added first: a call is authenticated before it may take an admission
            // token, so clients without a certificate cannot use up the admission of those with one.
            builder = NettyServerBuilder.forAddress(address, credentials)
                    .intercept(admission)
                    .intercept(tls.authenticator());
        }
        Server server = builder.addService(xds.aggregatedDiscoveryService())
                .addService(health.getHealthService())
                .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveTime(PERMITTED_CLIENT_PING_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException(
                    "cannot listen for xDS on " + endpoint.address() + ":" + endpoint.port() + ": " + e.getMessage(),
                    e);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "tandem-xds-security");
            thread.setDaemon(true);
            return thread;
        });
        if (security.mutualTls().isEmpty()) {
            Runnable warn = () -> LOG.warn(
                    "xDS on {}:{} is INSECURE (xds.insecure: true): plaintext, no client certificates; "
                            + "anyone who can connect reads every node group's config. Remove xds.insecure to require mTLS.",
                    endpoint.address(),
                    server.getPort());
            timer.scheduleAtFixedRate(warn, 0, INSECURE_WARNING_SECONDS, TimeUnit.SECONDS);
        } else {
            DataPlaneAuthenticator authenticator = security.mutualTls().get().authenticator();
            timer.scheduleWithFixedDelay(authenticator::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
        }
        return new XdsGrpcServer(server, health, timer, security);
    }

    /** Ends, now rather than at the next sweep, streams whose certificate was just revoked. */
    void sweepSoon() {
        security.mutualTls().ifPresent(tls -> {
            try {
                timer.execute(tls.authenticator()::sweep);
            } catch (RejectedExecutionException stopping) {
                // the server is closing: every stream ends anyway
            }
        });
    }

    boolean insecure() {
        return security.isInsecure();
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

    int port() {
        return server.getPort();
    }

    /**
     * Ends every stream at once: ADS streams never finish by themselves, so a graceful drain would only
     * wait. Data planes keep their config and reconnect to a peer or to the restarted node.
     */
    @Override
    public void close() {
        timer.shutdownNow();
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
