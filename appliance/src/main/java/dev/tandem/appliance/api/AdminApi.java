package dev.tandem.appliance.api;

import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.metrics.TandemMetrics;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.revisions.RevisionService;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.xds.serve.XdsService;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** The admin HTTP API: {@code /api/v1/...}, {@code /healthz}, {@code /readyz}, {@code /metrics}. */
public final class AdminApi {

    private AdminApi() {
    }

    /**
     * @param ready whether the appliance serves its current config (servers up, snapshots set)
     */
    public static void routing(HttpRouting.Builder routing, ApplianceConfig config, RevisionService revisions,
                               RevisionStore store, AuditLog audit, AdminTokens tokens, JoinTokens joinTokens, ClusterPki pki,
                               IssuedCertificates certificates, XdsService xds, Optional<Exporter> exporter,
                               TandemMetrics metrics, BooleanSupplier ready) {
        Clock clock = Clock.systemUTC();
        RouteTable routes = new RouteTable();
        ApiErrors errors = new ApiErrors(routes, metrics::adminInternalError);
        routing.addFilter(new BearerTokenFilter(tokens, metrics::adminRefused, errors));
        routing.register("/api/v1", routes.recording("/api/v1", new AdminTokensService(tokens, audit, clock)));
        exporter.ifPresent(e -> routing.register("/api/v1", routes.recording("/api/v1", new ExportService(e))));
        CertificateIssuer issuer = new CertificateIssuer(pki, config.pki().clusterName(), certificates, audit);
        routing.register("/api/v1", routes.recording("/api/v1",
                new JoinService(joinTokens, issuer, audit, clock, config.xdsPeers(), config.xdsInsecure(), metrics::joinRefused),
                new CertificatesService(issuer, certificates, audit, clock),
                new ApplyService(revisions, new ApplyAdmission(ApplyAdmission.DEFAULT_CONCURRENT, ApplyAdmission.DEFAULT_WAIT,
                        () -> metrics.adminRefused("busy"))),
                new StatusService(config.nodeId(), revisions, xds, config.xdsInsecure(), exporter),
                new RevisionsService(store),
                new BootstrapService(config.xdsPeers(), xds, config.xdsInsecure()),
                new AuditService(audit)));
        HttpService open = rules -> rules
                .get("/healthz", (req, res) -> Json.ok(res, Map.of("status", "UP")))
                .get("/metrics", (req, res) -> res.header(HeaderNames.CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8").send(metrics.scrape()))
                .get("/readyz", (req, res) -> {
                    boolean up = ready.getAsBoolean();
                    Json.send(res, up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, Map.of("ready", up));
                });
        routing.register(routes.recording("", open)).any(errors::unmatched).error(Exception.class, errors::handle);
    }
}
