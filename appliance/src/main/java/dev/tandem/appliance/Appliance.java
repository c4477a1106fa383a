package dev.tandem.appliance;

import dev.tandem.appliance.api.AdminApi;
import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.TlsContexts;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import javax.net.ssl.X509KeyManager;
import dev.tandem.appliance.export.ExportSettings;
import dev.tandem.appliance.export.ExportStores;
import dev.tandem.appliance.export.Exporter;
import dev.tandem.fallback.EncryptionKey;
import dev.tandem.fallback.ExportWriter;
import dev.tandem.fallback.FallbackStore;
import java.util.Optional;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.metrics.TandemMetrics;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.revisions.RevisionService;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.xds.serve.XdsService;
import dev.tandem.xds.translate.GroupResources;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Tandem node: the H2 store, the xDS server (ADS on grpc-java's Netty server) and the
 * admin API (Helidon SE). {@link #start} returns once both servers listen and the stored revision is being served.
 * {@link #close()} stops everything it started, in reverse order.
 */
public final class Appliance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);
    private static final long MAX_APPLY_BYTES = 8L * 1024 * 1024;

    private final Database database;
    private final XdsService xds;
    private final RevisionService revisions;
    private final XdsServer xdsServer;
    private final WebServer adminServer;
    private final Exporter exporter;
    private final FallbackStore exportStore;
    private final TandemMetrics metrics;
    private volatile boolean ready;

    private Appliance(Database database, XdsService xds, RevisionService revisions, XdsServer xdsServer, WebServer adminServer,
                      Exporter exporter, FallbackStore exportStore, TandemMetrics metrics) {
        this.metrics = metrics;
        this.database = database;
        this.xds = xds;
        this.revisions = revisions;
        this.xdsServer = xdsServer;
        this.adminServer = adminServer;
        this.exporter = exporter;
        this.exportStore = exportStore;
    }

    public static Appliance start(ApplianceConfig config) throws Exception {
        return start(config, UnaryOperator.identity());
    }

    /** For tests only: {@code afterTranslation} alters what is served (see {@link RevisionService}). */
    static Appliance start(ApplianceConfig config, UnaryOperator<GroupResources> afterTranslation) throws Exception {
        return start(config, afterTranslation, group -> {
        });
    }

    /**
     * For tests only: {@code afterTranslation} alters what is served (see {@link RevisionService});
     * {@code beforeSetSnapshot} may make a node group's publish fail (see {@link XdsService}).
     */
    static Appliance start(ApplianceConfig config, UnaryOperator<GroupResources> afterTranslation,
                           Consumer<String> beforeSetSnapshot) throws Exception {
        Clock clock = Clock.systemUTC();
        Database database = Database.open(config.dataDir());
        ClusterPki pki;
        try {
            pki = ClusterPki.loadOrCreate(config.pkiDir(), config.pki(), clock.instant());
            pki.created().forEach(what -> LOG.info("PKI: created {} in {}", what, config.pkiDir()));
            LOG.info("PKI: cluster CA {}", ClusterPki.fingerprint(pki.ca().certificate()));
        } catch (java.io.IOException e) {
            database.close();
            throw new java.io.IOException("cannot load the PKI in " + config.pkiDir() + ": " + e.getMessage(), e);
        }
        XdsService xds = null;
        RevisionService revisions = null;
        XdsServer xdsServer = null;
        FallbackStore exportStore = null;
        Exporter exporter = null;
        try {
            xds = new XdsService(clock, beforeSetSnapshot);
            RevisionStore store = new RevisionStore(database);
            AuditLog audit = new AuditLog(database);
            AdminTokens tokens = new AdminTokens(database);
            java.nio.file.Path tokenFile = config.dataDir().resolve("admin-token");
            if (tokens.createInitialAdmin(tokenFile, clock.instant())) {
                LOG.info("admin API: created the token 'initial-admin' (role admin) in {}; read it from there, it is not logged",
                        tokenFile);
            }
            revisions = new RevisionService(store, audit, xds, clock, afterTranslation);
            if (config.export().enabled()) {
                ExportSettings settings = config.export();
                Optional<EncryptionKey> encryption = Optional.empty();
                if (settings.encryptionKeyFile().isPresent()) {
                    try {
                        encryption = Optional.of(EncryptionKey.fromFile(settings.encryptionKeyFile().get()));
                    } catch (java.io.IOException e) {
                        throw new java.io.IOException("export.encryptionKeyFile: " + e.getMessage(), e);
                    }
                }
                exportStore = ExportStores.open(settings, System.getenv());
                exporter = new Exporter(new ExportWriter(exportStore, pki.exportSigningKey(), encryption, settings.keep()),
                        config.nodeId(), exportStore.describe(), clock);
                Exporter started = exporter;
                XdsService served = xds;
                revisions.afterPublish(() -> started.offer(served.published()));
                LOG.info("export: every revision goes to {}{}, newest {} kept", exportStore.describe(),
                        encryption.map(k -> ", encrypted with key " + k.id()).orElse(""), settings.keep());
            } else {
                LOG.warn("export: disabled (export.enabled: false); a data plane that starts while every control plane is "
                        + "down has nothing to start from");
            }
            var initialPublish = revisions.start(config.initialConfig());
            TandemMetrics metrics = new TandemMetrics(xds, revisions);
            metrics.certificateExpiry("server", pki.serverCertificate().getNotAfter().toInstant(), clock);
            metrics.certificateExpiry("ca", pki.ca().certificate().getNotAfter().toInstant(), clock);
            warnIfExpiring("the server certificate " + config.pkiDir().resolve("server.pem"), pki.serverCertificate(), clock);
            warnIfExpiring("the cluster CA", pki.ca().certificate(), clock);
            IssuedCertificates certificates = new IssuedCertificates(database);

            X509KeyManager serverKeys = TlsContexts.keyManager(pki.serverKey(), pki.serverCertificate(), pki.ca().certificate());
            XdsServer.Security security;
            if (config.xdsInsecure()) {
                security = XdsServer.Security.insecure();
            } else {
                RefusalLog xdsRefusals = new RefusalLog("xDS", metrics::xdsRefused, clock);
                CertificateTrust xdsTrust = new CertificateTrust(pki.ca().certificate(), xdsRefusals, clock, new OpenSslAlerts());
                security = XdsServer.Security.mutualTls(serverKeys, xdsTrust,
                        new DataPlaneAuthenticator(config.pki().clusterName(), certificates, xdsRefusals, clock));
            }
            metrics.xdsInsecure(config.xdsInsecure());
            xdsServer = XdsServer.start(config.xds(), xds, security);
            XdsServer started = xdsServer;
            certificates.onRevocation(serial -> started.sweepSoon());
            Appliance[] self = new Appliance[1];
            HttpRouting.Builder routing = HttpRouting.builder();
            // Bootstraps advertise the port the xDS server bound (it may have been 0: any free port).
            RevisionService serving = revisions;
            AdminApi.routing(routing, new AdminApi.Dependencies(config.withPorts(config.admin().port(), xdsServer.port()),
                    revisions, store, audit, tokens, new JoinTokens(), pki, certificates, xds, Optional.ofNullable(exporter),
                    metrics, () -> self[0] != null && self[0].ready && !serving.publication().failing(), clock));
            if (exporter != null) {
                metrics.export(exporter);
            }
            // The admin API is always TLS with the server certificate. A client certificate is asked
            // for but optional: only a data plane renewing its certificate presents one.
            CertificateTrust adminTrust = new CertificateTrust(pki.ca().certificate(),
                    new RefusalLog("admin API", metrics::adminRefused, clock), clock);
            WebServer adminServer = WebServer.builder()
                    .host(config.admin().address())
                    .port(config.admin().port())
                    .tls(Tls.builder().sslContext(TlsContexts.context(serverKeys, adminTrust))
                            .clientAuth(TlsClientAuth.OPTIONAL).build())
                    .shutdownHook(false)
                    .maxPayloadSize(MAX_APPLY_BYTES)
                    .routing(routing)
                    .build()
                    .start();
            if (adminServer.port() < 0) {
                // Helidon logs a listener that cannot bind and starts without it; an appliance without its
                // admin API must not start.
                adminServer.stop();
                // A BindException (an IOException) as the JDK's own, for callers that retry on another port.
                throw new java.net.BindException("cannot listen for the admin API on " + config.admin().address() + ":"
                        + config.admin().port() + " (address in use, or not an address of this host)");
            }
            Appliance appliance = new Appliance(database, xds, revisions, xdsServer, adminServer, exporter, exportStore, metrics);
            self[0] = appliance;
            try {
                initialPublish.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // Logged, shown in the status and retried by the revision service; not ready until it succeeds.
            }
            appliance.ready = true;
            xdsServer.serving(true);
            LOG.info("Tandem node '{}' ready: xDS on {}:{} ({}), admin API on https://{}:{}, data in {}", config.nodeId(),
                    config.xds().address(), xdsServer.port(), config.xdsInsecure() ? "INSECURE: plaintext" : "mTLS",
                    config.admin().address(), adminServer.port(), config.dataDir());
            return appliance;
        } catch (Exception | Error e) {
            if (exporter != null) {
                exporter.close();
            }
            if (exportStore != null) {
                exportStore.close();
            }
            if (xdsServer != null) {
                xdsServer.close();
            }
            if (revisions != null) {
                revisions.close();
            }
            if (xds != null) {
                xds.close();
            }
            database.close();
            throw e;
        }
    }

    /** Said at every start from 30 days before: a server certificate or CA that expires stops every data plane. */
    private static void warnIfExpiring(String what, java.security.cert.X509Certificate certificate, Clock clock) {
        java.time.Instant notAfter = certificate.getNotAfter().toInstant();
        long days = java.time.Duration.between(clock.instant(), notAfter).toDays();
        if (days < 30) {
            LOG.warn("PKI: {} expires at {} (in {} days); replace it before then (pki.serverCertFile/serverKeyFile, "
                    + "or remove server.pem and server.key to have a new one issued by the CA)", what, notAfter, days);
        }
    }

    public int adminPort() {
        return adminServer.port();
    }

    public int xdsPort() {
        return xdsServer.port();
    }

    public boolean ready() {
        return ready;
    }

    @Override
    public void close() {
        ready = false;
        xdsServer.serving(false);
        LOG.info("stopping: admin API, xDS server, store");
        adminServer.stop();
        xdsServer.close();
        revisions.close();
        if (exporter != null) {
            exporter.close();
            exportStore.close();
        }
        xds.close();
        metrics.close();
        database.close();
        LOG.info("stopped");
    }
}
