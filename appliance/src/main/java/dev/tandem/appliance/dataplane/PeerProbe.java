package dev.tandem.appliance.dataplane;

import dev.tandem.xds.bootstrap.XdsClientTls;
import dev.tandem.xds.bootstrap.XdsPeer;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Asks each Tandem peer, as Envoy's own health check of the xDS cluster does, whether it serves
 * ADS ({@code grpc.health.v1.Health}, SERVING), over the same mTLS the data plane will use.
 */
public final class PeerProbe {

    private final List<XdsPeer> peers;
    private final Optional<XdsClientTls> tls;
    private final Duration timeout;

    public PeerProbe(List<XdsPeer> peers, Optional<XdsClientTls> tls, Duration timeout) {
        this.peers = peers;
        this.tls = tls;
        this.timeout = timeout;
    }

    /** The first peer that serves, or empty when none does; {@code notes} hears why each did not. */
    public Optional<XdsPeer> firstServing(Consumer<String> notes) {
        for (XdsPeer peer : peers) {
            ManagedChannel channel = null;
            try {
                channel = NettyChannelBuilder.forAddress(peer.address(), peer.port(), credentials())
                        .build();
                HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .check(HealthCheckRequest.newBuilder()
                                .setService("envoy.service.discovery.v3.AggregatedDiscoveryService")
                                .build())
                        .getStatus();
                if (status == HealthCheckResponse.ServingStatus.SERVING) {
                    return Optional.of(peer);
                }
                notes.accept(peer.name() + " (" + peer.address() + ":" + peer.port() + ") answers " + status);
            } catch (RuntimeException | IOException e) {
                notes.accept(peer.name() + " (" + peer.address() + ":" + peer.port() + "): " + e.getMessage());
            } finally {
                if (channel != null) {
                    channel.shutdownNow();
                }
            }
        }
        return Optional.empty();
    }

    private ChannelCredentials credentials() throws IOException {
        if (tls.isEmpty()) {
            return InsecureChannelCredentials.create();
        }
        XdsClientTls files = tls.get();
        return TlsChannelCredentials.newBuilder()
                .trustManager(new File(files.caFile()))
                .keyManager(new File(files.certificateFile()), new File(files.privateKeyFile()))
                .build();
    }
}
