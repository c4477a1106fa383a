package dev.tandem.appliance;

import dev.tandem.appliance.export.ExportSettings;
import dev.tandem.appliance.export.ExportStores;
import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.peers.GrpcPeerLink;
import dev.tandem.appliance.peers.PeerDirectory;
import dev.tandem.appliance.peers.PeerJoin;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.peers.PeerTransport;
import dev.tandem.appliance.peers.PeeringSettings;
import dev.tandem.appliance.peers.S3Lease;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.PeerLog;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.peers.RoleIntent;
import dev.tandem.peers.ServedId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's place among peers: alone (the writer of its own log at once, serving what it stores)
 * or one member of a peering (it serves what its log has committed, and only while its peer node
 * says so, ADR 0014 §3.5). Every difference between the two is decided here, once.
 */
final class Membership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final Optional<PeeringSettings> peering;
    private final PeerNode node;
    private final PeerDirectory directory;
    /** Alone, always; a member, while its peer node says it may serve. */
    private final AtomicBoolean serving;

    private volatile Runnable servingChanged = () -> {};

    private Membership(Optional<PeeringSettings> peering, PeerNode node, PeerDirectory directory) {
        this.peering = peering;
        this.node = node;
        this.directory = directory;
        this.serving = new AtomicBoolean(peering.isEmpty());
    }

    /**
     * Starts this node's peer node: alone, or a member that replicates over the peer link, with the
     * lease beside the exports when S3 is configured. {@code refused} counts peer-link refusals.
     */
    static Membership start(
            ApplianceConfig config, Database database, ClusterPki pki, Consumer<String> refused, Clock clock)
            throws Exception {
        String cluster = config.pki().clusterName();
        if (config.peering().isEmpty()) {
            return new Membership(
                    Optional.empty(),
                    PeerNode.alone(database, clock, cluster, config.nodeId()),
                    PeerDirectory.alone(config.nodeId()));
        }
        PeeringSettings peering = config.peering().get();
        Optional<S3Lease> lease = Optional.empty();
        if (peering.leaseStore()) {
            ExportSettings.S3 s3 = config.export().s3().orElseThrow();
            lease = Optional.of(new S3Lease(
                    ExportStores.location(s3),
                    ExportStores.credentials(s3, System.getenv()),
                    pki.exportSigningKey(),
                    pki.exportSigningKey().getPublic(),
                    Duration.ofNanos(peering.timing().s3AttemptTimeout())));
        }
        RoleIntent first =
                Files.exists(config.dataDir().resolve(PeerJoin.MARKER)) ? RoleIntent.STANDBY : RoleIntent.ACTIVE;
        PeerTransport link = peerLink(config, peering, pki, refused, clock);
        LOG.info(
                "peers: member '{}' of {} ({}), peer link on {}, lease store {}",
                config.nodeId(),
                peering.members().stream().map(PeeringSettings.Member::name).toList(),
                peering.replication().name().toLowerCase(Locale.ROOT),
                peering.listen(),
                lease.map(S3Lease::describe).orElse("none (switch-active and promote only, no automatic failover)"));
        PeerNode node = PeerNode.start(
                database,
                new PeerLog(database, clock),
                peering.node(cluster, config.nodeId()),
                peering.timing(),
                first,
                link,
                lease);
        return new Membership(Optional.of(peering), node, PeerDirectory.of(config.nodeId(), peering));
    }

    /**
     * The peer link (ADR 0014 §4.1): this node's server certificate, which carries its peer identity,
     * on the peer port and towards every other member.
     */
    private static PeerTransport peerLink(
            ApplianceConfig config, PeeringSettings peering, ClusterPki pki, Consumer<String> refused, Clock clock)
            throws IOException {
        pki.requirePeerIdentity();
        Map<String, GrpcPeerLink.Address> addresses = new TreeMap<>();
        peering.members().stream()
                .filter(m -> !m.name().equals(config.nodeId()))
                .forEach(m -> addresses.put(m.name(), m.link()));
        return GrpcPeerLink.start(new GrpcPeerLink.Settings(
                config.pki().clusterName(),
                config.nodeId(),
                addresses.keySet(),
                addresses,
                peering.listen(),
                TlsContexts.keyManager(
                        pki.serverKey(), pki.serverCertificate(), pki.ca().certificate()),
                pki.ca().certificate(),
                new RefusalLog("peer link", refused, clock),
                new OpenSslAlerts()));
    }

    PeerNode node() {
        return node;
    }

    PeerDirectory directory() {
        return directory;
    }

    /** Whether this node is a member of a peering (it is not a standalone node). */
    boolean member() {
        return peering.isPresent();
    }

    /**
     * Hands the peer node what serves and exports, and publishes this node's first revision: alone,
     * the stored one (or {@code initialConfig} on an empty store) at once; a member serves what its
     * log committed when its peer node says so, and applies {@code initialConfig} only as the writer
     * of an empty store. Returns the first publish to wait for.
     */
    CompletableFuture<?> serve(
            RevisionWriter revisions, RevisionStore store, Optional<Exporter> exporter, Optional<Path> initialConfig)
            throws Exception {
        CompletableFuture<?> firstPublish = CompletableFuture.completedFuture(null);
        if (!member()) {
            firstPublish = revisions.start(initialConfig);
        }
        node.attach(new PeerNode.Duties() {
            @Override
            public void publish(ServedId id) {
                revisions.follow(id.revision());
            }

            @Override
            public void startExporter(long epoch) {
                exporter.ifPresent(e -> e.start(epoch));
            }

            @Override
            public void stopExporter() {
                exporter.ifPresent(Exporter::stop);
            }

            @Override
            public void serving(boolean now, String reason) {
                if (member()) {
                    serving.set(now);
                    servingChanged.run();
                }
            }
        });
        if (member() && node.writer() && store.latest().isEmpty() && initialConfig.isPresent()) {
            revisions.start(initialConfig);
        }
        return firstPublish;
    }

    /** Whether the peer node lets this node serve (always, alone). */
    boolean serving() {
        return serving.get();
    }

    /** Called on the peer node's thread when {@link #serving()} changes. */
    void onServingChanged(Runnable changed) {
        servingChanged = changed;
    }

    @Override
    public void close() {
        node.close();
    }
}
