package dev.tandem.appliance;

import com.google.common.io.Closer;
import dev.tandem.appliance.api.AdminApi;
import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.export.ExportPipeline;
import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.metrics.TandemMetrics;
import dev.tandem.appliance.peers.DivergedReports;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.xds.serve.XdsService;
import dev.tandem.xds.translate.GroupResources;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Tandem node: the H2 store, the xDS server (ADS on grpc-java's Netty server) and the
 * admin API (Helidon SE). {@link #start} returns once both servers listen and the stored revision is
 * being served. Every part it starts is registered on one stack and closed in reverse order: by
 * {@link #close()}, or at once when a later part cannot start.
 */
public final class Appliance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);
    /** How long a start waits for the stored revision's first publish before it says ready anyway (it is retried). */
    private static final Duration FIRST_PUBLISH_WAIT = Duration.ofSeconds(30);

    private final Closer parts;
    private final XdsGrpcServer xdsServer;
    private final AdminServer adminServer;
    private final AtomicBoolean ready;

    private Appliance(Closer parts, XdsGrpcServer xdsServer, AdminServer adminServer, AtomicBoolean ready) {
        this.parts = parts;
        this.xdsServer = xdsServer;
        this.adminServer = adminServer;
        this.ready = ready;
    }

    public static Appliance start(ApplianceConfig config) throws Exception {
        return start(config, UnaryOperator.identity());
    }

    /** A test seam: {@code afterTranslation} alters what is served (see {@link RevisionWriter}). */
    static Appliance start(ApplianceConfig config, UnaryOperator<GroupResources> afterTranslation) throws Exception {
        return start(config, afterTranslation, group -> {});
    }

    /**
     * A test seam: {@code afterTranslation} alters what is served (see {@link RevisionWriter});
     * {@code beforeSetSnapshot} may make a node group's publish fail (see {@link XdsService}).
     */
    static Appliance start(
            ApplianceConfig config, UnaryOperator<GroupResources> afterTranslation, Consumer<String> beforeSetSnapshot)
            throws Exception {
        Clock clock = Clock.systemUTC();
        Closer parts = Closer.create();
        boolean started = false;
        try {
            Database database = Database.open(config.dataDir());
            parts.register(database::close);
            ClusterPki pki = loadPki(config, clock);
            XdsService xds = new XdsService(clock, beforeSetSnapshot);
            parts.register(xds::close);
            RevisionStore store = new RevisionStore(database);
            // Every write goes through the replicated log (ADR 0014); alone, this node is its writer at once.
            // The metrics exist only once the revision writer does: peer-link refusals before that are logged, not
            // counted.
            AtomicReference<Consumer<String>> peerRefused = new AtomicReference<>(reason -> {});
            Membership membership = Membership.start(
                    config, database, pki, reason -> peerRefused.get().accept(reason), clock);
            parts.register(membership::close);
            PeerNode peers = membership.node();
            AuditLog audit = new AuditLog(database, peers);
            // What a standby moved aside reaches the active's (replicated) audit log.
            String self = config.nodeId();
            peers.divergedReports(
                    (from, report) -> DivergedReports.record(peers, audit, clock, from, report),
                    note -> DivergedReports.recorded(audit, self, note));
            AdminTokens tokens = new AdminTokens(database);
            Path tokenFile = config.dataDir().resolve("admin-token");
            // A standby's tables come from the active: it creates no token and applies no initial config.
            if (peers.writer() && tokens.createInitialAdmin(audit, tokenFile, clock.instant())) {
                LOG.info(
                        "admin API: created the token 'initial-admin' (role admin) in {}; read it from there, it is not logged",
                        tokenFile);
            }
            Optional<ExportPipeline> export = ExportPipeline.open(
                    config.export(), pki.exportSigningKey(), config.nodeId(), System.getenv(), clock);
            export.ifPresent(e -> parts.register(e::close));
            Optional<Exporter> exporter = export.map(ExportPipeline::exporter);
            RevisionWriter revisions = new RevisionWriter(store, audit, xds, clock, afterTranslation);
            parts.register(revisions::close);
            exporter.ifPresent(e -> revisions.afterPublish(e::offer));
            CompletableFuture<?> firstPublish = membership.serve(revisions, store, exporter, config.initialConfig());
            TandemMetrics metrics = new TandemMetrics(xds, revisions);
            parts.register(metrics::close);
            metrics.peers(peers, membership.member());
            peerRefused.set(metrics::peerRefused);
            metrics.certificateExpiry(
                    "server", pki.serverCertificate().getNotAfter().toInstant(), clock);
            metrics.certificateExpiry("ca", pki.ca().certificate().getNotAfter().toInstant(), clock);
            warnIfExpiring(
                    "the server certificate " + config.pkiDir().resolve("server.pem"), pki.serverCertificate(), clock);
            warnIfExpiring("the cluster CA", pki.ca().certificate(), clock);
            IssuedCertificates certificates = new IssuedCertificates(database);

            X509KeyManager serverKeys = TlsContexts.keyManager(
                    pki.serverKey(), pki.serverCertificate(), pki.ca().certificate());
            metrics.xdsInsecure(config.xdsInsecure());
            XdsGrpcServer xdsServer = XdsGrpcServer.start(
                    config.xds(),
                    xds,
                    xdsSecurity(config, pki, serverKeys, certificates, metrics, clock),
                    new StreamAdmission(
                            config.xdsAdmission(), System::nanoTime, () -> metrics.xdsRefused("admission")));
            parts.register(xdsServer::close);
            certificates.onRevocation(serial -> xdsServer.sweepSoon());
            // A standby learns of revocations by replication: its deny list is read again when they land.
            peers.onReplicated(tables -> {
                if (tables.contains("certificate")) {
                    try {
                        certificates.reload();
                    } catch (SQLException e) {
                        LOG.error("peers: cannot read the deny list again after replication: {}", e.getMessage(), e);
                    }
                }
            });

            AtomicBoolean ready = new AtomicBoolean();
            HttpRouting.Builder routing = HttpRouting.builder();
            // Bootstraps advertise the port the xDS server bound (it may have been 0: any free port).
            AdminApi.routing(
                    routing,
                    new AdminApi.Dependencies(
                            config.withPorts(config.admin().port(), xdsServer.port()),
                            revisions,
                            store,
                            audit,
                            tokens,
                            new JoinTokens(),
                            pki,
                            certificates,
                            xds,
                            exporter,
                            metrics,
                            () -> ready.get()
                                    && membership.serving()
                                    && !revisions.publication().failing(),
                            peers,
                            membership.directory(),
                            clock));
            exporter.ifPresent(metrics::export);
            CertificateTrust adminTrust = new CertificateTrust(
                    pki.ca().certificate(), new RefusalLog("admin API", metrics::adminRefused, clock), clock);
            AdminServer adminServer = AdminServer.start(config.admin(), serverKeys, adminTrust, routing);
            parts.register(adminServer::close);

            awaitFirstPublish(firstPublish);
            ready.set(true);
            // A peer is not SERVING until it has built what its log says (ADR 0014 §3.5).
            Runnable servingChanged = () -> xdsServer.serving(ready.get() && membership.serving());
            membership.onServingChanged(servingChanged);
            servingChanged.run();
            LOG.info(
                    "Tandem node '{}' ready: xDS on {}:{} ({}), admin API on https://{}:{}, data in {}",
                    config.nodeId(),
                    config.xds().address(),
                    xdsServer.port(),
                    config.xdsInsecure() ? "INSECURE: plaintext" : "mTLS",
                    config.admin().address(),
                    adminServer.port(),
                    config.dataDir());
            Appliance appliance = new Appliance(parts, xdsServer, adminServer, ready);
            started = true;
            return appliance;
        } catch (Throwable e) {
            throw parts.rethrow(e, Exception.class);
        } finally {
            if (!started) {
                // What started is stopped, in reverse order; a failure to stop is added to the start's as suppressed.
                parts.close();
            }
        }
    }

    private static ClusterPki loadPki(ApplianceConfig config, Clock clock) throws IOException {
        try {
            ClusterPki pki = ClusterPki.loadOrCreate(config.pkiDir(), config.pki(), clock.instant());
            pki.created().forEach(what -> LOG.info("PKI: created {} in {}", what, config.pkiDir()));
            LOG.info("PKI: cluster CA {}", ClusterPki.fingerprint(pki.ca().certificate()));
            return pki;
        } catch (IOException e) {
            throw new IOException("cannot load the PKI in " + config.pkiDir() + ": " + e.getMessage(), e);
        }
    }

    private static XdsGrpcServer.Security xdsSecurity(
            ApplianceConfig config,
            ClusterPki pki,
            X509KeyManager serverKeys,
            IssuedCertificates certificates,
            TandemMetrics metrics,
            Clock clock) {
        if (config.xdsInsecure()) {
            return XdsGrpcServer.Security.insecure();
        }
        RefusalLog refusals = new RefusalLog("xDS", metrics::xdsRefused, clock);
        CertificateTrust trust = new CertificateTrust(pki.ca().certificate(), refusals, clock, new OpenSslAlerts());
        return XdsGrpcServer.Security.mutualTls(
                serverKeys,
                trust,
                new DataPlaneAuthenticator(config.pki().clusterName(), certificates, refusals, clock));
    }

    /** Logged, shown in the status and retried by the revision service when it fails; not ready until it succeeds. */
    private static void awaitFirstPublish(CompletableFuture<?> firstPublish) throws Exception {
        try {
            firstPublish.get(FIRST_PUBLISH_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // The publication records it and the revision service retries.
        }
    }

    /** Said at every start from 30 days before: a server certificate or CA that expires stops every data plane. */
    private static void warnIfExpiring(String what, X509Certificate certificate, Clock clock) {
        Instant notAfter = certificate.getNotAfter().toInstant();
        long days = Duration.between(clock.instant(), notAfter).toDays();
        if (days < 30) {
            LOG.warn(
                    "PKI: {} expires at {} (in {} days); replace it before then (pki.serverCertFile/serverKeyFile, "
                            + "or remove server.pem and server.key to have a new one issued by the CA)",
                    what,
                    notAfter,
                    days);
        }
    }

    public int adminPort() {
        return adminServer.port();
    }

    public int xdsPort() {
        return xdsServer.port();
    }

    public boolean ready() {
        return ready.get();
    }

    @Override
    public void close() {
        ready.set(false);
        xdsServer.serving(false);
        LOG.info("stopping: admin API, xDS server, store");
        try {
            parts.close();
        } catch (IOException e) {
            LOG.warn("stopping: a part failed to stop", e);
        }
        LOG.info("stopped");
    }
}
