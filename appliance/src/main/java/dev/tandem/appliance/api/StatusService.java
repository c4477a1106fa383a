package dev.tandem.appliance.api;

import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.revisions.Publication;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.State;
import dev.tandem.xds.serve.DataPlaneStatus;
import dev.tandem.xds.serve.RolloutHalt;
import dev.tandem.xds.serve.XdsService;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.snapshot.XdsType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** {@code GET /api/v1/status}: role, current revision, node groups served and every connected data plane. */
final class StatusService implements HttpService {

    private final String nodeId;
    private final RevisionWriter revisions;
    private final XdsService xds;
    private final boolean xdsInsecure;
    private final Optional<Exporter> exporter;
    private final Supplier<NodeView> peer;

    StatusService(
            String nodeId,
            RevisionWriter revisions,
            XdsService xds,
            boolean xdsInsecure,
            Optional<Exporter> exporter,
            Supplier<NodeView> peer) {
        this.nodeId = nodeId;
        this.peer = peer;
        this.revisions = revisions;
        this.xds = xds;
        this.xdsInsecure = xdsInsecure;
        this.exporter = exporter;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/status", this::status);
    }

    private void status(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", nodeId);
        NodeView peer = this.peer.get();
        body.put("role", peer.state().role().label());
        body.put("epoch", peer.epoch());
        Map<String, Object> log = new LinkedHashMap<>();
        log.put("state", peer.state().name().toLowerCase(Locale.ROOT));
        log.put("writable", peer.state() == State.STANDALONE || peer.state() == State.ACTIVE);
        log.put("lastIndex", peer.lastIndex());
        log.put("commitIndex", peer.commitIndex());
        body.put("log", log);
        body.put("revision", revisions.latest().map(c -> c.revision().number()).orElse(0L));
        body.put("publication", publication(revisions.publication()));
        Map<String, Object> security = new LinkedHashMap<>();
        security.put("xds", xdsInsecure ? "insecure" : "mtls");
        if (xdsInsecure) {
            security.put(
                    "warning",
                    "xds.insecure is set: xDS is plaintext and needs no client certificate; anyone who can "
                            + "connect reads every node group's config");
        }
        body.put("security", security);
        Map<String, Object> groups = new LinkedHashMap<>();
        xds.served().forEach((group, snapshot) -> {
            Map<String, Object> g = group(snapshot);
            Map<String, Object> rollout = new LinkedHashMap<>();
            rollout.put("haltOnNack", snapshot.haltOnNack());
            rollout.put("halted", xds.halt(group).map(StatusService::halt).orElse(null));
            g.put("rollout", rollout);
            groups.put(group, g);
        });
        body.put("nodeGroups", groups);
        body.put(
                "dataPlanes",
                xds.connectedDataPlanes().stream().map(StatusService::dataPlane).toList());
        body.put("export", exporter.map(ExportService::status).orElse(null));
        Json.ok(res, body);
    }

    private static Map<String, Object> publication(Publication p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("revision", p.revision());
        out.put("published", p.published());
        out.put("error", p.error());
        out.put("attempts", p.attempts());
        out.put("since", p.since().toString());
        return out;
    }

    private static Map<String, Object> halt(RolloutHalt h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("revision", h.revision());
        out.put("nodeId", h.nodeId());
        out.put("type", h.type());
        out.put("version", h.version());
        out.put("detail", h.detail());
        out.put("at", h.at().toString());
        return out;
    }

    private static Map<String, Object> group(GroupSnapshot s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("revision", s.revision());
        out.put("versions", versions(s));
        return out;
    }

    /** In the order an operator reads them (listeners first), not alphabetical. */
    private static Map<String, String> versions(GroupSnapshot s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (XdsType type : XdsType.values()) {
            out.put(type.shortName(), s.versionOf(type));
        }
        return out;
    }

    private static Map<String, Object> dataPlane(DataPlaneStatus d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nodeId", d.nodeId());
        out.put("nodeGroup", d.nodeGroup());
        out.put("protocol", d.protocol());
        out.put("connectedAt", d.connectedAt().toString());
        out.put("acked", d.acked());
        out.put("nacks", d.nacks());
        if (d.lastNack() != null) {
            Map<String, Object> nack = new LinkedHashMap<>();
            nack.put("type", d.lastNack().type());
            nack.put("rejectedVersion", d.lastNack().rejectedVersion());
            nack.put("detail", d.lastNack().detail());
            nack.put("at", d.lastNack().at().toString());
            out.put("lastNack", nack);
        } else {
            out.put("lastNack", null);
        }
        return out;
    }
}
