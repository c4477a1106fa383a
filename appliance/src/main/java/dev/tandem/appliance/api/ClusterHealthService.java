package dev.tandem.appliance.api;

import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.peers.PeeringSettings;
import dev.tandem.appliance.revisions.Publication;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.appliance.store.DivergedEntry;
import dev.tandem.peers.MemberProgress;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.Replication;
import dev.tandem.peers.Role;
import dev.tandem.peers.State;
import dev.tandem.xds.serve.DataPlaneStatus;
import dev.tandem.xds.serve.XdsService;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /api/v1/cluster/health} (viewer): what this node can tell of the cluster's health, each
 * problem with what to do (Gloo's {@code meshctl check}). Every peer answers for itself; {@code tandem
 * doctor} asks every member and adds what only several answers show (one writer, equal epochs, clock
 * offsets). A problem of severity {@code error} makes the node unhealthy; a {@code warning} does not.
 */
final class ClusterHealthService implements HttpService {

    /** As the start's log warning: a server certificate or CA that expires stops every data plane. */
    static final Duration CERTIFICATE_WARNING = Duration.ofDays(30);

    private final String nodeId;
    private final PeerNode peers;
    private final Optional<PeeringSettings> peering;
    private final XdsService xds;
    private final Optional<Exporter> exporter;
    private final RevisionWriter revisions;
    private final Map<String, X509Certificate> certificates;
    private final boolean xdsInsecure;
    private final BooleanSupplier ready;
    private final Clock clock;

    /** @param certificates this node's own certificates by what they are ({@code server}, {@code ca}) */
    ClusterHealthService(
            String nodeId,
            PeerNode peers,
            Optional<PeeringSettings> peering,
            XdsService xds,
            Optional<Exporter> exporter,
            RevisionWriter revisions,
            Map<String, X509Certificate> certificates,
            boolean xdsInsecure,
            BooleanSupplier ready,
            Clock clock) {
        this.nodeId = nodeId;
        this.peers = peers;
        this.peering = peering;
        this.xds = xds;
        this.exporter = exporter;
        this.revisions = revisions;
        this.certificates = certificates;
        this.xdsInsecure = xdsInsecure;
        this.ready = ready;
        this.clock = clock;
    }

    /** One problem: the check that found it, {@code error} or {@code warning}, what is wrong and what to do. */
    record Problem(String check, String severity, String message, String action) {

        static Problem error(String check, String message, String action) {
            return new Problem(check, "error", message, action);
        }

        static Problem warning(String check, String message, String action) {
            return new Problem(check, "warning", message, action);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/cluster/health", this::health);
    }

    private void health(ServerRequest req, ServerResponse res) throws SQLException {
        NodeView view = peers.view();
        boolean serving = ready.getAsBoolean();
        List<Problem> problems = new ArrayList<>();
        problems.addAll(serving(view, serving));
        problems.addAll(writer(view));
        problems.addAll(replication(view));
        problems.addAll(lease(view));
        problems.addAll(export(view));
        problems.addAll(dataPlanes());
        problems.addAll(certificates());
        problems.addAll(diverged(peers.diverged()));
        if (xdsInsecure) {
            problems.add(Problem.warning(
                    "security",
                    "xds.insecure is set: xDS is plaintext and any client reads every node group's config",
                    "remove xds.insecure and join data planes with tandem bootstrap --join"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", nodeId);
        body.put("role", view.state().role().label());
        body.put("state", view.state().name().toLowerCase(Locale.ROOT));
        body.put("epoch", view.epoch());
        body.put("writable", view.state() == State.STANDALONE || view.state() == State.ACTIVE);
        body.put("active", view.epochActive());
        body.put("revision", revisions.latest().map(c -> c.revision().number()).orElse(0L));
        body.put("serving", serving);
        // For the clock offsets tandem doctor reports: this node's wall clock when it answered.
        body.put("now", clock.instant().toString());
        body.put("dataPlanes", connectedPerGroup());
        body.put("healthy", problems.stream().noneMatch(p -> p.severity().equals("error")));
        body.put("problems", problems.stream().map(ClusterHealthService::json).toList());
        Json.ok(res, body);
    }

    private static List<Problem> serving(NodeView view, boolean serving) {
        if (serving) {
            return List.of();
        }
        return List.of(Problem.error(
                "serving",
                "this node does not serve xDS (gRPC health NOT_SERVING, /readyz 503)"
                        + (view.servingReason() == null || view.servingReason().isEmpty()
                                ? ""
                                : ": " + view.servingReason()),
                view.state().role() == Role.STANDBY
                        ? "it is catching up with the active; if it stays so, check the peer link with tandem peers"
                        : "see tandem status: the latest revision has not been published"));
    }

    private List<Problem> writer(NodeView view) {
        List<Problem> out = new ArrayList<>();
        if (view.state() == State.FENCED) {
            out.add(Problem.error(
                    "writer",
                    "this active is fenced: it accepts no writes (its lease lapsed or a peer may have taken over)",
                    "run tandem doctor against every peer; if no peer is active, tandem promote on the sync standby"));
        }
        if (view.state().role() == Role.STANDBY && peering.isPresent()) {
            long limit = TimeUnit.NANOSECONDS.toMillis(peering.get().timing().syncTimeout());
            if (view.heardActiveAgoMs() < 0 || view.heardActiveAgoMs() > limit) {
                out.add(Problem.error(
                        "writer",
                        view.heardActiveAgoMs() < 0
                                ? "this standby has not heard an active since it started"
                                : "this standby has not heard the active " + view.epochActive() + " for "
                                        + seconds(view.heardActiveAgoMs()),
                        "check the active's host and the peer link; if the active is down, see the failover "
                                + "runbook (tandem promote on the sync standby)"));
            }
        }
        return out;
    }

    private List<Problem> replication(NodeView view) {
        List<Problem> out = new ArrayList<>();
        if (peering.isEmpty() || view.state() != State.ACTIVE) {
            return out;
        }
        long limit = TimeUnit.NANOSECONDS.toMillis(peering.get().timing().syncTimeout());
        for (PeeringSettings.Member member : peering.get().members()) {
            if (member.name().equals(view.name())) {
                continue;
            }
            Optional<MemberProgress> progress = view.progress().stream()
                    .filter(p -> p.name().equals(member.name()))
                    .findFirst();
            if (progress.isEmpty() || !progress.get().streaming()) {
                long ago = progress.map(MemberProgress::lastContactAgoMs).orElse(-1L);
                out.add(Problem.error(
                        "replication",
                        "standby " + member.name() + " does not replicate"
                                + (ago < 0
                                        ? " (never heard since this node became active)"
                                        : " (last heard " + seconds(ago) + " ago)"),
                        "start " + member.name() + " or restore the peer link to " + member.link()));
                continue;
            }
            long lag = Math.max(0, view.lastIndex() - progress.get().matchIndex());
            if (progress.get().lastContactAgoMs() > limit) {
                out.add(Problem.error(
                        "replication",
                        "standby " + member.name() + " last answered "
                                + seconds(progress.get().lastContactAgoMs()) + " ago, " + lag + " entries behind",
                        "check " + member.name() + "'s host and the peer link"));
            } else if (lag > peering.get().timing().maxServeLag()) {
                out.add(Problem.warning(
                        "replication",
                        "standby " + member.name() + " is " + lag + " entries behind",
                        "it catches up on its own; if the lag grows, check its disk and the peer link"));
            }
        }
        if (peering.get().replication() == Replication.SYNC && view.syncStandby() == null) {
            out.add(Problem.error(
                    "replication",
                    "no synchronous standby: acknowledged writes are on this node only, a failover now may lose them",
                    "bring a standby back; it becomes sync once it has caught up"));
        }
        return out;
    }

    private List<Problem> lease(NodeView view) {
        List<Problem> out = new ArrayList<>();
        if (peering.isEmpty() || !peering.get().leaseStore()) {
            return out;
        }
        if (view.probeFailure() != null && peering.get().automaticFailover()) {
            if (view.probeRefused()) {
                out.add(Problem.error(
                        "lease",
                        "the S3 store failed the conditional-write probe, so this node cannot take over automatically: "
                                + view.probeFailure(),
                        "use a store that honours If-Match and If-None-Match (MinIO, AWS S3); the probe runs again"
                                + " every 30 s"));
            } else {
                out.add(Problem.warning(
                        "lease",
                        "the S3 store did not answer the conditional-write probe yet, so this node cannot take over"
                                + " automatically until it does: " + view.probeFailure(),
                        "check that this node reaches the store; the probe runs again in 2 s"));
            }
        }
        if (view.failsafe()) {
            out.add(Problem.warning(
                    "lease",
                    "failsafe: the S3 lease cannot be renewed; this active writes only while every peer confirms it",
                    "restore access to the S3 store"));
        }
        return out;
    }

    private List<Problem> export(NodeView view) {
        List<Problem> out = new ArrayList<>();
        if (exporter.isEmpty() || view.state().role() == Role.STANDBY) {
            return out; // only the writer exports
        }
        exporter.get().status().forEach((group, s) -> {
            boolean failing = s.lastErrorAt() != null
                    && (s.exportedAt() == null || s.lastErrorAt().isAfter(s.exportedAt()));
            if (failing) {
                out.add(Problem.error(
                        "export",
                        "node group " + group + ": export failing (" + s.lag() + " revisions behind): " + s.lastError(),
                        "check the store (" + exporter.get().storeDescription()
                                + "); new data planes cannot start from it while every peer is down"));
            }
        });
        Publication publication = revisions.publication();
        if (publication.failing()) {
            out.add(Problem.error(
                    "publication",
                    "revision " + publication.revision() + " is stored but not served: " + publication.error(),
                    "see tandem status; the appliance retries"));
        }
        return out;
    }

    private List<Problem> dataPlanes() {
        List<Problem> out = new ArrayList<>();
        for (DataPlaneStatus plane : xds.connectedDataPlanes()) {
            if (plane.lastNack() != null) {
                out.add(Problem.warning(
                        "nack",
                        "data plane " + plane.nodeId() + " (group " + plane.nodeGroup() + ") rejected "
                                + plane.lastNack().type() + ": "
                                + plane.lastNack().detail(),
                        "fix the config and apply it again; tandem status shows the rejection"));
            }
        }
        xds.served()
                .keySet()
                .forEach(group -> xds.halt(group)
                        .ifPresent(halt -> out.add(Problem.error(
                                "rollout",
                                "node group " + group + ": the rollout of revision " + halt.revision() + " is halted ("
                                        + halt.nodeId() + " rejected it)",
                                "apply a fixed config, or roll back with tandem rollback"))));
        return out;
    }

    private List<Problem> certificates() {
        List<Problem> out = new ArrayList<>();
        Instant now = clock.instant();
        certificates.forEach((what, certificate) -> {
            Instant notAfter = certificate.getNotAfter().toInstant();
            if (now.plus(CERTIFICATE_WARNING).isAfter(notAfter)) {
                out.add(Problem.error(
                        "certificates",
                        "this node's " + what + " certificate expires at " + notAfter + " (in "
                                + Math.max(0, Duration.between(now, notAfter).toDays()) + " days)",
                        what.equals("ca")
                                ? "plan the CA's replacement before then; every certificate it issued stops with it"
                                : "remove server.pem and server.key and restart to have a new one issued by the CA"));
            }
        });
        return out;
    }

    private static List<Problem> diverged(List<DivergedEntry> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        return List.of(Problem.warning(
                "diverged",
                "this node moved " + entries.size() + (entries.size() == 1 ? " entry" : " entries")
                        + " aside when it rejoined a new active; they were never acknowledged",
                "review them in GET /api/v1/peers (diverged) and apply again what should be kept"));
    }

    private SortedMap<String, Integer> connectedPerGroup() {
        SortedMap<String, Integer> out = new TreeMap<>();
        xds.served().keySet().forEach(group -> out.put(group, 0));
        xds.connectedDataPlanes().forEach(plane -> out.merge(plane.nodeGroup(), 1, Integer::sum));
        return out;
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    private static Map<String, Object> json(Problem p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("check", p.check());
        out.put("severity", p.severity());
        out.put("message", p.message());
        out.put("action", p.action());
        return out;
    }
}
