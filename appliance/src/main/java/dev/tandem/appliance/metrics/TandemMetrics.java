package dev.tandem.appliance.metrics;

import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.peers.MemberProgress;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.Role;
import dev.tandem.xds.serve.DataPlaneStatus;
import dev.tandem.xds.serve.XdsService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The appliance's Prometheus metrics, named with the words of the model and the status API
 * ({@code node_group}, revision, NACK). Per-group values are read when scraped, never pushed by the
 * hot path.
 */
public final class TandemMetrics implements AutoCloseable {

    private final JvmGcMetrics gc = new JvmGcMetrics();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final XdsService xds;
    private final MultiGauge dataPlanes;
    private final MultiGauge halted;
    private final Counter internalErrors;
    private Exporter exporter;
    private MultiGauge exportRevision;
    private MultiGauge replicationLag;
    private MultiGauge replicationLagSeconds;
    private PeerNode peerNode;
    private MultiGauge exportLag;

    public TandemMetrics(XdsService xds, RevisionWriter revisions) {
        this.xds = xds;
        // The JVM and the process: heap, GC, threads, CPU, open files (what capacity planning and tandem bench read).
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder(
                        "tandem_revision",
                        revisions,
                        r -> r.latest().map(c -> c.revision().number()).orElse(0L))
                .description("The revision this node serves")
                .register(registry);
        Gauge.builder("tandem_publish_failing", revisions, r -> r.publication().failing() ? 1 : 0)
                .description("1 while the current revision could not be published to every node group and is retried "
                        + "(it is stored all the same); 0 once published")
                .register(registry);
        FunctionCounter.builder("tandem_publish_failures", revisions, RevisionWriter::publishFailures)
                .description("Publish attempts of stored revisions that failed (each is retried)")
                .register(registry);
        FunctionCounter.builder("tandem_xds_nacks", xds, XdsService::nackTotal)
                .description("Configs rejected by data planes (NACKs), all node groups")
                .register(registry);
        Gauge.builder("tandem_xds_held_requests", xds, XdsService::heldRequests)
                .description("Requests held back: versions their node rejected, or halted rollouts")
                .register(registry);
        dataPlanes = MultiGauge.builder("tandem_xds_data_planes")
                .description("Connected data planes (ADS streams that named their node)")
                .register(registry);
        internalErrors = Counter.builder("tandem_admin_internal_errors")
                .description("Admin API calls that failed inside the appliance (500, with a reference in the log)")
                .register(registry);
        halted = MultiGauge.builder("tandem_rollout_halted")
                .description("1 while the node group's rollout is halted by a NACK (rollout.haltOnNack)")
                .register(registry);
    }

    /**
     * Counts an admin API call refused for {@code reason} (missing-token, invalid-token, forbidden-role,
     * a client certificate refused in the TLS handshake, or busy: an apply that found every slot taken).
     */
    public void adminRefused(String reason) {
        registry.counter("tandem_admin_refusals", "reason", reason).increment();
    }

    /**
     * Counts a connection or call refused on the xDS port for {@code reason} (no-client-certificate,
     * untrusted-certificate, expired-certificate, revoked-certificate, no-identity, group-mismatch, ...).
     */
    public void xdsRefused(String reason) {
        registry.counter("tandem_xds_refusals", "reason", reason).increment();
    }

    /**
     * Counts an admin API call that failed inside the appliance (answered 500 with a reference that is
     * in the log). A client's mistake (unknown path, wrong method, bad body) is never counted here.
     */
    public void adminInternalError() {
        internalErrors.increment();
    }

    /** Seconds until {@code certificate} (server, ca) expires: alert well before it reaches 0. */
    public void certificateExpiry(String certificate, Instant notAfter, Clock clock) {
        Gauge.builder(
                        "tandem_certificate_expiry_seconds",
                        () -> Duration.between(clock.instant(), notAfter).toSeconds())
                .tag("certificate", certificate)
                .description("Seconds until the appliance's own certificate expires")
                .register(registry);
    }

    /** Export progress per node group, read when scraped. */
    public void export(Exporter exporter) {
        this.exporter = exporter;
        exportRevision = MultiGauge.builder("tandem_export_revision")
                .description("The newest revision of the node group in the fallback store")
                .register(registry);
        exportLag = MultiGauge.builder("tandem_export_lag_revisions")
                .description("Revisions of the node group published but not yet in the fallback store")
                .register(registry);
        FunctionCounter.builder("tandem_export_failures", exporter, Exporter::failures)
                .description("Export attempts that failed (the store down, slow or refusing), all node groups")
                .register(registry);
        FunctionCounter.builder("tandem_export_conflicts", exporter, Exporter::conflicts)
                .description("Exports refused because the bundle's key holds other content (bundle-conflict)")
                .register(registry);
    }

    /**
     * The peers' gauges and counters (ADR 0014 §8), read when scraped. A standalone node exports them
     * too: role {@code standalone}, no lag, no sync standby.
     */
    public void peers(PeerNode node, boolean peering) {
        for (Role role : Role.values()) {
            Gauge.builder("tandem_peer_role", node, n -> n.view().state().role() == role ? 1 : 0)
                    .tag("role", role.label())
                    .description("1 for this node's current role")
                    .register(registry);
        }
        Gauge.builder("tandem_epoch", node, n -> n.view().epoch())
                .description("The epoch this node is in: +1 at every change of active")
                .register(registry);
        Gauge.builder(
                        "tandem_sync_standby",
                        node,
                        n -> n.view().name().equals(n.view().syncKnown()) ? 1 : 0)
                .description("1 on the standby that is the recorded synchronous standby")
                .register(registry);
        Gauge.builder(
                        "tandem_replication_degraded",
                        node,
                        n -> peering && n.writer() && n.view().syncStandby() == null ? 1 : 0)
                .description("1 while the active acknowledges writes without a synchronous standby")
                .register(registry);
        Gauge.builder("tandem_failsafe_active", node, n -> n.view().failsafe() ? 1 : 0)
                .description("1 while the active writes in failsafe mode (S3 unreachable, every peer confirmed)")
                .register(registry);
        Gauge.builder(
                        "tandem_lease_expiry_seconds",
                        node,
                        n -> Math.max(0, n.view().authorityLeftMs()) / 1000.0)
                .description("On the lease holder: seconds its write authority lasts without another renewal")
                .register(registry);
        replicationLag = MultiGauge.builder("tandem_replication_lag_entries")
                .description("Entries a peer lacks: on the active per standby, on a standby what it knows it lacks")
                .register(registry);
        replicationLagSeconds = MultiGauge.builder("tandem_replication_lag_seconds")
                .description("While a peer lags: seconds since it last acknowledged (on the active, per standby)")
                .register(registry);
        for (String kind : List.of("automatic", "promote", "promote-forced")) {
            String event = switch (kind) {
                case "automatic" -> "failover";
                case "promote" -> "promoted";
                default -> "promoted-forced";
            };
            FunctionCounter.builder("tandem_failovers", node, n -> n.events(event))
                    .tag("kind", kind)
                    .description("Changes of active this node made by taking over (automatic) or by promote")
                    .register(registry);
        }
        for (String outcome : List.of("switched", "aborted")) {
            String event = outcome.equals("switched") ? "switched" : "switch-aborted";
            FunctionCounter.builder("tandem_switches", node, n -> n.events(event))
                    .tag("outcome", outcome)
                    .description("switch-active runs this node led, by outcome")
                    .register(registry);
        }
        this.peerNode = node;
    }

    /** Counts a peer-link connection or frame refused for {@code reason} (unknown-ca, not-a-peer, truncated, ...). */
    public void peerRefused(String reason) {
        registry.counter("tandem_peer_refused", "reason", reason).increment();
    }

    /** Counts a join refused for {@code reason} (unknown-token, used-token, expired-token, invalid-csr). */
    public void joinRefused(String reason) {
        registry.counter("tandem_join_refusals", "reason", reason).increment();
    }

    /** 1 while xDS is served without TLS ({@code xds.insecure: true}). */
    public void xdsInsecure(boolean insecure) {
        Gauge.builder("tandem_xds_insecure", () -> insecure ? 1 : 0)
                .description("1 while xDS is served in plaintext without client certificates (xds.insecure: true)")
                .register(registry);
    }

    /** The Prometheus text exposition of every metric, refreshed now. */
    public String scrape() {
        Map<String, Long> perGroup = new TreeMap<>();
        xds.served().keySet().forEach(group -> perGroup.put(group, 0L));
        for (DataPlaneStatus d : xds.connectedDataPlanes()) {
            perGroup.merge(d.nodeGroup(), 1L, Long::sum);
        }
        dataPlanes.register(
                perGroup.entrySet().stream()
                        .map(e -> MultiGauge.Row.of(Tags.of("node_group", e.getKey()), e.getValue()))
                        .collect(Collectors.toList()),
                true);
        List<MultiGauge.Row<?>> haltRows = xds.served().keySet().stream()
                .map(group -> MultiGauge.Row.of(
                        Tags.of("node_group", group), xds.halt(group).isPresent() ? 1 : 0))
                .collect(Collectors.toList());
        halted.register(haltRows, true);
        if (exporter != null) {
            var status = exporter.status();
            exportRevision.register(
                    status.entrySet().stream()
                            .map(e -> MultiGauge.Row.of(
                                    Tags.of("node_group", e.getKey()),
                                    e.getValue().exportedRevision()))
                            .collect(Collectors.toList()),
                    true);
            exportLag.register(
                    status.entrySet().stream()
                            .map(e -> MultiGauge.Row.of(
                                    Tags.of("node_group", e.getKey()),
                                    e.getValue().lag()))
                            .collect(Collectors.toList()),
                    true);
        }
        if (peerNode != null) {
            NodeView view = peerNode.view();
            List<MultiGauge.Row<?>> lag = new ArrayList<>();
            List<MultiGauge.Row<?>> lagSeconds = new ArrayList<>();
            for (MemberProgress p : view.progress()) {
                long behind = Math.max(0, view.lastIndex() - p.matchIndex());
                lag.add(MultiGauge.Row.of(Tags.of("peer", p.name()), behind));
                lagSeconds.add(MultiGauge.Row.of(
                        Tags.of("peer", p.name()), behind == 0 ? 0 : Math.max(0, p.lastContactAgoMs()) / 1000.0));
            }
            if (view.state().role() == Role.STANDBY && view.epochActive() != null) {
                lag.add(MultiGauge.Row.of(Tags.of("peer", view.name()), view.knownMissing()));
            }
            replicationLag.register(lag, true);
            replicationLagSeconds.register(lagSeconds, true);
        }
        return registry.scrape();
    }

    /** Stops listening to GC notifications. */
    @Override
    public void close() {
        gc.close();
    }
}
