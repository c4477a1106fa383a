package dev.tandem.appliance.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code xds_cluster} of an Envoy bootstrap that {@code tandem bootstrap} wrote: one channel
 * per peer it lists, in its order, and each new ADS stream on the next one (Envoy's default round
 * robin over the cluster's hosts), so a simulated Envoy whose stream to a dead peer failed opens its
 * next one on another peer, as Envoy does.
 */
final class XdsClusterChannel extends Channel implements AutoCloseable {

    private final List<ManagedChannel> peers;
    private final List<String> addresses;
    private final AtomicInteger next = new AtomicInteger();

    private XdsClusterChannel(List<ManagedChannel> peers, List<String> addresses) {
        this.peers = peers;
        this.addresses = addresses;
    }

    /** The peers of {@code envoyBootstrap}'s {@code xds_cluster}, dialled with {@code tls}. */
    static XdsClusterChannel of(Path envoyBootstrap, ChannelCredentials tls) throws IOException {
        JsonNode bootstrap = new YAMLMapper().readTree(envoyBootstrap.toFile());
        List<ManagedChannel> peers = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        for (JsonNode cluster : bootstrap.path("static_resources").path("clusters")) {
            if (cluster.path("name").asText().equals("xds_cluster")) {
                for (JsonNode socket : cluster.path("load_assignment").findValues("socket_address")) {
                    String address = socket.path("address").asText() + ":"
                            + socket.path("port_value").asInt();
                    addresses.add(address);
                    peers.add(Grpc.newChannelBuilder(address, tls).build());
                }
            }
        }
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("no xds_cluster endpoint in " + envoyBootstrap);
        }
        return new XdsClusterChannel(peers, addresses);
    }

    /** host:port of each peer, in the bootstrap's order. */
    List<String> addresses() {
        return addresses;
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        return peers.get(Math.floorMod(next.getAndIncrement(), peers.size())).newCall(method, options);
    }

    @Override
    public String authority() {
        return peers.get(0).authority();
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel peer : peers) {
            peer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
