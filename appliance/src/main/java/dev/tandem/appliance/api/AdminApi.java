package dev.tandem.appliance.api;

import dev.tandem.appliance.revisions.RevisionService;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.xds.serve.XdsService;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin HTTP API: {@code /api/v1/...}, {@code /healthz}, {@code /readyz}. */
public final class AdminApi {

    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

    private AdminApi() {
    }

    /**
     * @param ready whether the appliance serves its current config (servers up, snapshots set)
     */
    public static void routing(HttpRouting.Builder routing, dev.tandem.appliance.ApplianceConfig config,
                               RevisionService revisions, RevisionStore store, dev.tandem.appliance.store.AuditLog audit,
                               dev.tandem.appliance.auth.AdminTokens tokens, dev.tandem.appliance.auth.JoinTokens joinTokens,
                               dev.tandem.appliance.pki.ClusterPki pki, dev.tandem.appliance.auth.IssuedCertificates certificates,
                               XdsService xds, java.util.Optional<dev.tandem.appliance.export.Exporter> exporter,
                               dev.tandem.appliance.metrics.TandemMetrics metrics, BooleanSupplier ready) {
        routing.addFilter(new BearerTokenFilter(tokens, metrics::adminRefused));
        routing.register("/api/v1", new AdminTokensService(tokens, audit, java.time.Clock.systemUTC()));
        exporter.ifPresent(e -> routing.register("/api/v1", new ExportService(e)));
        CertificateIssuer issuer = new CertificateIssuer(pki, config.pki().clusterName(), certificates, audit);
        routing.register("/api/v1", new JoinService(joinTokens, issuer, audit, java.time.Clock.systemUTC(),
                        config.xdsPeers(), config.xdsInsecure(), metrics::joinRefused),
                new CertificatesService(issuer, certificates, audit, java.time.Clock.systemUTC()));
        ApplyAdmission admission = new ApplyAdmission(ApplyAdmission.DEFAULT_CONCURRENT, ApplyAdmission.DEFAULT_WAIT,
                () -> metrics.adminRefused("busy"));
        routing.register("/api/v1", new ApplyService(revisions, admission), new StatusService(config.nodeId(), revisions, xds, config.xdsInsecure(), exporter),
                        new RevisionsService(store), new BootstrapService(config.xdsPeers(), xds, config.xdsInsecure()), new AuditService(audit))
                .get("/healthz", (req, res) -> Json.ok(res, Map.of("status", "UP")))
                .get("/metrics", (req, res) -> res.header(io.helidon.http.HeaderNames.CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8").send(metrics.scrape()))
                .get("/readyz", (req, res) -> {
                    boolean up = ready.getAsBoolean();
                    Json.send(res, up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, Map.of("ready", up));
                })
                .error(Exception.class, (req, res, e) -> {
                    LOG.error("{} {} failed", req.prologue().method(), req.path().path(), e);
                    Json.error(res, Status.INTERNAL_SERVER_ERROR_500, "internal error",
                            List.of(e.getClass().getSimpleName() + ": " + e.getMessage()));
                });
    }
}
