package dev.tandem.appliance.bench;

import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.pki.PkiSettings;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.GroupResources;
import dev.tandem.xds.translate.Translator;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of {@code tandem bench --baseline}: java-control-plane as its README shows it, a
 * {@code SimpleCache} keyed by node group behind a {@code V3DiscoveryServer} on grpc-netty with the
 * same mTLS, fed the same snapshots (Tandem's translation), and nothing else of Tandem: no NACK
 * guard, no registry, no per-call identity, no admin API, no store. It reads the gateway config from
 * {@code <dir>/config.yaml} whenever the file changes, and writes the port it bound (it may be given
 * 0), its stream count and heap to {@code <dir>/status} for the bench.
 */
public final class BaselineServer {

    private BaselineServer() {}

    public static void run(Path dir, int port) throws Exception {
        ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("pki"), PkiSettings.defaults("baseline"), Instant.now());
        SimpleCache<String> cache = new SimpleCache<>(node -> node.getCluster());
        Set<Long> streams = ConcurrentHashMap.newKeySet();
        DiscoveryServerCallbacks counting = new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                streams.add(streamId);
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
                streams.add(streamId);
            }

            @Override
            public void onStreamClose(long streamId, String typeUrl) {
                streams.remove(streamId);
            }

            @Override
            public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
                streams.remove(streamId);
            }
        };
        V3DiscoveryServer discovery = new V3DiscoveryServer(List.of(counting), cache);
        Server server = NettyServerBuilder.forAddress(
                        new InetSocketAddress("127.0.0.1", port),
                        TlsServerCredentials.newBuilder()
                                .keyManager(TlsContexts.keyManager(
                                        pki.serverKey(),
                                        pki.serverCertificate(),
                                        pki.ca().certificate()))
                                .trustManager(
                                        CertificateTrust.pkixTrusting(pki.ca().certificate()))
                                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                                .build())
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        Path config = dir.resolve("config.yaml");
        long seen = -1;
        long revision = 0;
        long lastStatus = 0;
        while (true) {
            long stamp =
                    Files.exists(config) ? Files.getLastModifiedTime(config).to(TimeUnit.NANOSECONDS) : -1;
            if (stamp != seen && stamp != -1) {
                seen = stamp;
                revision++;
                for (Map.Entry<String, GroupResources> group : Translator.translate(
                                ConfigLoader.load(Files.readString(config)))
                        .entrySet()) {
                    cache.setSnapshot(
                            group.getKey(),
                            GroupSnapshot.of(group.getValue(), revision).snapshot());
                }
            }
            if (System.currentTimeMillis() - lastStatus > 200) {
                lastStatus = System.currentTimeMillis();
                Path temp = dir.resolve("status.tmp");
                Files.writeString(
                        temp,
                        "port=" + server.getPort() + "\nstreams=" + streams.size() + "\nheap="
                                + ManagementFactory.getMemoryMXBean()
                                        .getHeapMemoryUsage()
                                        .getUsed() + "\nrevision=" + revision + "\n");
                Files.move(
                        temp,
                        dir.resolve("status"),
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            Thread.sleep(2);
        }
    }
}
