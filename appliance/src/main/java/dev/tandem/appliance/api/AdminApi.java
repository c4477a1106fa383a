package dev.tandem.appliance.api;

import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.auth.PeerTokens;
import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.metrics.TandemMetrics;
import dev.tandem.appliance.peers.PeerDirectory;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.xds.serve.XdsService;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The admin HTTP API: {@code /api/v1/...}, {@code /healthz}, {@code /readyz}, {@code /metrics}, and its
 * contract: {@code /openapi.yaml} and the gateway config's schema beside it.
 */
public final class AdminApi {

    /** Where the API serves its OpenAPI document. */
    private static final String OPENAPI_PATH = "/openapi.yaml";

    /** Where the build puts it: {@code appliance/src/main/resources/openapi.yaml}. */
    private static final String OPENAPI_RESOURCE = "/openapi.yaml";

    /** Where the API serves the gateway config's JSON Schema: beside the document, which refers to it. */
    private static final String SCHEMA_PATH = "/schemas/gateway-config.schema.json";

    /** Where the xds library's jar has it: {@code xds/src/main/resources/schema/gateway-config.schema.json}. */
    private static final String SCHEMA_RESOURCE = "/schema/gateway-config.schema.json";

    /**
     * What the admin API serves and changes.
     *
     * @param config   the node's config, with the ports its servers bound (bootstraps advertise the xDS port)
     * @param exporter empty when export is disabled: no {@code /api/v1/export}, and {@code "export": null} in the status
     * @param ready    whether the appliance serves its current config (servers up, snapshots set)
     * @param clock    the time of tokens, certificates and audit entries the API writes
     */
    public record Dependencies(
            ApplianceConfig config,
            RevisionWriter revisions,
            RevisionStore store,
            AuditLog audit,
            AdminTokens tokens,
            JoinTokens joinTokens,
            ClusterPki pki,
            IssuedCertificates certificates,
            XdsService xds,
            Optional<Exporter> exporter,
            TandemMetrics metrics,
            BooleanSupplier ready,
            PeerNode peers,
            PeerDirectory directory,
            Clock clock) {}

    private AdminApi() {}

    /**
     * The web server's own refusal of a body larger than {@code maxPayloadBytes}, made before any
     * route runs, in the one error shape (413). Helidon reports it as a bad request with status 413,
     * from {@code Content-Length} or while reading chunks, and closes the connection because the rest
     * of the body is not read. Its other refusals of what is not HTTP keep Helidon's own answer.
     */
    public static DirectHandlers directHandlers(long maxPayloadBytes) {
        String tooLarge = Json.errorText(
                "payload too large",
                List.of("the body is larger than " + maxPayloadBytes / (1024 * 1024)
                        + " MiB; split the config or leave out what it need not carry"));
        DirectHandler fallback = DirectHandler.defaultHandler();
        DirectHandler handler = (request, eventType, status, headers, message) ->
                status.code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code()
                        ? DirectHandler.TransportResponse.builder()
                                .status(status)
                                .headers(headers)
                                .header(HeaderNames.CONTENT_TYPE, "application/json")
                                .entity(tooLarge)
                                .keepAlive(false)
                                .build()
                        : fallback.handle(request, eventType, status, headers, message);
        return DirectHandlers.builder()
                .addHandler(DirectHandler.EventType.BAD_REQUEST, handler)
                .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, handler)
                .build();
    }

    /** Adds every route of the admin API to {@code routing}, with its token filter and its one error mapping. */
    public static void routing(HttpRouting.Builder routing, Dependencies deps) {
        routing(routing, deps, new RouteTable());
    }

    /** As {@link #routing(HttpRouting.Builder, Dependencies)}, recording every route in {@code routes}. */
    static void routing(HttpRouting.Builder routing, Dependencies deps, RouteTable routes) {
        ApplianceConfig config = deps.config();
        TandemMetrics metrics = deps.metrics();
        Clock clock = deps.clock();
        byte[] contract = contractFile(OPENAPI_RESOURCE);
        byte[] configSchema = contractFile(SCHEMA_RESOURCE);
        ApiErrors errors = new ApiErrors(routes, metrics::adminInternalError, deps.directory());
        routing.addFilter(new BearerTokenFilter(deps.tokens(), metrics::adminRefused));
        routing.register(
                "/api/v1", routes.recording("/api/v1", new AdminTokensService(deps.tokens(), deps.audit(), clock)));
        deps.exporter().ifPresent(e -> routing.register("/api/v1", routes.recording("/api/v1", new ExportService(e))));
        CertificateIssuer issuer =
                new CertificateIssuer(deps.pki(), config.pki().clusterName(), deps.certificates(), deps.audit());
        routing.register(
                "/api/v1",
                routes.recording(
                        "/api/v1",
                        new JoinService(
                                deps.joinTokens(),
                                issuer,
                                deps.audit(),
                                clock,
                                config.xdsPeers(),
                                config.xdsInsecure(),
                                metrics::joinRefused),
                        new CertificatesService(issuer, deps.certificates(), deps.audit(), clock),
                        new ApplyService(
                                deps.revisions(),
                                deps.store(),
                                new ApplyAdmission(
                                        ApplyAdmission.DEFAULT_CONCURRENT,
                                        ApplyAdmission.DEFAULT_WAIT,
                                        () -> metrics.adminRefused("busy"))),
                        new StatusService(
                                config.nodeId(),
                                deps.revisions(),
                                deps.xds(),
                                config.xdsInsecure(),
                                deps.exporter(),
                                deps.peers()::view),
                        new PeersService(
                                deps.peers(),
                                config.peering(),
                                deps.directory(),
                                config.pki().clusterName()),
                        new ClusterHealthService(
                                config.nodeId(),
                                deps.peers(),
                                config.peering(),
                                deps.xds(),
                                deps.exporter(),
                                deps.revisions(),
                                Map.of(
                                        "server",
                                        deps.pki().serverCertificate(),
                                        "ca",
                                        deps.pki().ca().certificate()),
                                config.xdsInsecure(),
                                deps.ready(),
                                clock),
                        new PeerJoinService(
                                new PeerTokens(),
                                deps.pki(),
                                config.pki().clusterName(),
                                deps.directory(),
                                deps.peers(),
                                deps.audit(),
                                clock),
                        new RevisionsService(deps.store()),
                        new BootstrapService(config.xdsPeers(), deps.xds(), config.xdsInsecure()),
                        new AuditService(deps.audit()),
                        new WhoamiService()));
        HttpService open = rules -> rules.get("/healthz", (req, res) -> Json.ok(res, Map.of("status", "UP")))
                .get(
                        OPENAPI_PATH,
                        (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "application/yaml")
                                .send(contract))
                .get(
                        SCHEMA_PATH,
                        (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "application/schema+json")
                                .send(configSchema))
                .get(
                        "/metrics",
                        (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                                .send(metrics.scrape()))
                .get("/readyz", (req, res) -> {
                    boolean up = deps.ready().getAsBoolean();
                    Json.send(res, up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, Map.of("ready", up));
                });
        routing.register(routes.recording("", open)).any(errors::unmatched).error(Exception.class, errors::handle);
    }

    /**
     * A file of the API's contract (its OpenAPI document, the gateway config's schema) as the build
     * packaged it, served byte for byte: the file is the contract (docs/decisions/0013-api-contract.md),
     * so what a client reads is what the repository has.
     *
     * @throws IllegalStateException when the build lost it: an appliance must not start without its contract
     */
    private static byte[] contractFile(String resource) {
        try (InputStream in = AdminApi.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the admin API's contract file " + resource
                        + " is not on the class path; the appliance's jars are incomplete (rebuild them)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("the admin API's contract file " + resource + " cannot be read", e);
        }
    }
}
