package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.peers.PeerDirectory;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.peers.PeeringSettings;
import dev.tandem.appliance.store.DivergedEntry;
import dev.tandem.appliance.store.RowChange;
import dev.tandem.peers.Command;
import dev.tandem.peers.Lease;
import dev.tandem.peers.MemberProgress;
import dev.tandem.peers.NodeView;
import dev.tandem.peers.OperatorAnswer;
import dev.tandem.peers.Role;
import dev.tandem.peers.WriteOutcome;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster as this node sees it, and the operator's two commands (ADR 0014 §8):
 * {@code GET /api/v1/peers}, {@code POST /api/v1/peers/switch-active {to?}} (operator) and
 * {@code POST /api/v1/peers/promote {oldActiveIsDown, acceptDataLoss, dryRun}} (admin).
 */
final class PeersService implements HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(PeersService.class);

    /** Beyond the protocol's own bounds: a command the machine never answers is reported, not waited for. */
    private static final Duration ANSWER_MARGIN = Duration.ofSeconds(5);

    private final PeerNode peers;
    private final Optional<PeeringSettings> peering;
    private final PeerDirectory directory;
    private final String cluster;

    PeersService(PeerNode peers, Optional<PeeringSettings> peering, PeerDirectory directory, String cluster) {
        this.peers = peers;
        this.peering = peering;
        this.directory = directory;
        this.cluster = cluster;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/peers", this::list)
                .get("/peers/diverged/{epoch}/{index}", this::divergedEntry)
                .delete("/peers/diverged/{epoch}/{index}", this::clearDiverged)
                .post("/peers/switch-active", this::switchActive)
                .post("/peers/promote", this::promote);
    }

    private void list(ServerRequest req, ServerResponse res) throws SQLException {
        NodeView view = peers.view();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cluster", cluster);
        body.put("self", view.name());
        body.put("role", view.state().role().label());
        body.put("state", view.state().name().toLowerCase(Locale.ROOT));
        body.put("epoch", view.epoch());
        Map<String, Object> active = new LinkedHashMap<>();
        active.put("name", view.epochActive());
        active.put(
                "adminUrl",
                directory.adminUrl(view.epochActive()).map(URI::toString).orElse(null));
        body.put("active", view.epochActive() == null ? null : active);
        body.put(
                "replication",
                peering.map(p -> p.replication().name().toLowerCase(Locale.ROOT))
                        .orElse(null));
        body.put("syncStandby", view.state().role() == Role.STANDBY ? view.syncKnown() : view.syncStandby());
        body.put("degraded", peering.isPresent() && view.state().role() != Role.STANDBY && view.syncStandby() == null);
        body.put("failsafe", view.failsafe());
        body.put("lease", lease(view));
        body.put("members", members(view));
        body.put("diverged", diverged());
        Json.ok(res, body);
    }

    /** What this node moved aside when it rejoined a new active: never acknowledged, kept for the operator. */
    private List<Map<String, Object>> diverged() throws SQLException {
        return peers.diverged().stream().map(PeersService::diverged).toList();
    }

    private static Map<String, Object> diverged(DivergedEntry entry) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("epoch", entry.epoch());
        e.put("index", entry.index());
        e.put("kind", entry.kind());
        e.put("revision", entry.revision() == 0 ? null : entry.revision());
        e.put("replacedByEpoch", entry.replacedByEpoch());
        e.put("writtenAt", entry.writtenAt().toString());
        e.put("movedAt", entry.movedAt().toString());
        return e;
    }

    /**
     * {@code GET /api/v1/peers/diverged/{epoch}/{index}}: one entry moved aside, with the tables its write
     * changed and, for a revision, the config it carried (private keys redacted, as a stored revision's),
     * so an operator can apply it again.
     */
    private void divergedEntry(ServerRequest req, ServerResponse res) throws SQLException {
        DivergedEntry entry = divergedAt(req);
        List<RowChange> changes =
                peers.divergedChanges(entry.epoch(), entry.index()).orElse(List.of());
        Map<String, Object> body = diverged(entry);
        body.put(
                "tables",
                changes.stream().map(RowChange::table).distinct().sorted().toList());
        body.put(
                "config",
                changes.stream()
                        .filter(c -> c.table().equals("revision") && c.op() == RowChange.Op.INSERT)
                        .map(c -> c.row().get("documents"))
                        .filter(String.class::isInstance)
                        .map(documents -> Redaction.privateKeys((String) documents))
                        .findFirst()
                        .orElse(null));
        Json.ok(res, body);
    }

    /** {@code DELETE /api/v1/peers/diverged/{epoch}/{index}} (admin): this node forgets the entry. */
    private void clearDiverged(ServerRequest req, ServerResponse res) throws SQLException {
        DivergedEntry entry = divergedAt(req);
        peers.clearDiverged(entry.epoch(), entry.index());
        LOG.info(
                "peers: diverged entry {}:{} ({}{}) cleared by '{}'",
                entry.epoch(),
                entry.index(),
                entry.kind(),
                entry.revision() == 0 ? "" : ", revision " + entry.revision(),
                Callers.holder(req).name());
        Json.ok(res, Map.of("cleared", diverged(entry)));
    }

    /** The entry the path names, or 400 (not numbers) or 404 (none moved aside here). */
    private DivergedEntry divergedAt(ServerRequest req) throws SQLException {
        long epoch = pathNumber(req, "epoch");
        long index = pathNumber(req, "index");
        return peers.diverged().stream()
                .filter(e -> e.epoch() == epoch && e.index() == index)
                .findFirst()
                .orElseThrow(() -> new ApiRefusal(
                        Status.NOT_FOUND_404,
                        "no such diverged entry",
                        "this node moved no entry " + epoch + ":" + index
                                + " aside; GET /api/v1/peers lists those it did"));
    }

    private static long pathNumber(ServerRequest req, String name) {
        String text = req.path().pathParameters().get(name);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400, "invalid " + name, "'" + text + "' is not a number (" + name + ")");
        }
    }

    private Map<String, Object> lease(NodeView view) {
        if (peering.isEmpty() || !peering.get().leaseStore()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        Lease lease = view.lease();
        out.put("holder", lease == null ? null : lease.holder());
        out.put("epoch", lease == null ? null : lease.epoch());
        out.put("ttl", lease == null ? null : Duration.ofNanos(lease.ttl()).toString());
        out.put("syncStandby", lease == null ? null : lease.syncStandby());
        out.put("authorityLeftMs", view.authorityLeftMs() < 0 ? null : view.authorityLeftMs());
        out.put("probeOk", view.probeOk());
        return out;
    }

    private List<Map<String, Object>> members(NodeView view) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (peering.isEmpty()) {
            out.add(self(view, Map.of()));
            return out;
        }
        for (PeeringSettings.Member member : directory.members()) {
            Map<String, Object> where = new LinkedHashMap<>();
            where.put("adminUrl", member.admin().toString());
            where.put("xds", member.xds().toString());
            where.put("link", member.link().toString());
            if (member.name().equals(view.name())) {
                out.add(self(view, where));
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", member.name());
            m.put("self", false);
            m.put("role", member.name().equals(view.epochActive()) ? "active" : "standby");
            m.putAll(where);
            Optional<MemberProgress> progress = view.progress().stream()
                    .filter(p -> p.name().equals(member.name()))
                    .findFirst();
            m.put("streaming", progress.map(MemberProgress::streaming).orElse(null));
            m.put("matchIndex", progress.map(MemberProgress::matchIndex).orElse(null));
            m.put(
                    "lagEntries",
                    progress.map(p -> Math.max(0, view.lastIndex() - p.matchIndex()))
                            .orElse(null));
            m.put(
                    "lastContactMs",
                    progress.map(MemberProgress::lastContactAgoMs)
                            .filter(ago -> ago >= 0)
                            .orElse(
                                    member.name().equals(view.epochActive()) && view.heardActiveAgoMs() >= 0
                                            ? view.heardActiveAgoMs()
                                            : null));
            m.put(
                    "sync",
                    member.name().equals(view.syncStandby()) || member.name().equals(view.syncKnown()));
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> self(NodeView view, Map<String, Object> where) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", view.name());
        m.put("self", true);
        m.put("role", view.state().role().label());
        m.put("state", view.state().name().toLowerCase(Locale.ROOT));
        m.putAll(where);
        m.put("epoch", view.epoch());
        m.put("lastIndex", view.lastIndex());
        m.put("commitIndex", view.commitIndex());
        m.put("knownMissing", view.knownMissing());
        m.put(
                "served",
                Map.of("epoch", view.served().epoch(), "revision", view.served().revision()));
        m.put("serving", view.serving());
        m.put("servingReason", view.servingReason());
        m.put("sync", view.name().equals(view.syncKnown()));
        return m;
    }

    private void switchActive(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req);
        String to = text(body, "to");
        misdirectedUnlessWriter();
        String by = Callers.holder(req).name();
        OperatorAnswer answer = await(peers.operator(new Command.SwitchActive(to, by)));
        switch (answer) {
            case OperatorAnswer.Switched switched -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("from", switched.from());
                out.put("to", switched.to());
                out.put("epoch", switched.epoch());
                out.put("tookMs", TimeUnit.NANOSECONDS.toMillis(switched.tookNanos()));
                Json.ok(res, out);
            }
            case OperatorAnswer.Refusal refusal ->
                throw new ApiRefusal(Status.CONFLICT_409, "switch-refused", refusal.reason() + ": " + refusal.detail())
                        .withField("reason", refusal.reason());
            default -> throw new IllegalStateException("switch-active answered " + answer);
        }
    }

    private void promote(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req);
        boolean oldActiveIsDown = flag(body, "oldActiveIsDown");
        boolean acceptDataLoss = flag(body, "acceptDataLoss");
        boolean dryRun = flag(body, "dryRun");
        String by = Callers.holder(req).name();
        OperatorAnswer answer = await(peers.operator(new Command.Promote(oldActiveIsDown, acceptDataLoss, dryRun, by)));
        switch (answer) {
            case OperatorAnswer.PromoteReport report -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("dryRun", true);
                out.put("isSyncStandby", report.isSyncStandby());
                out.put("syncSource", report.syncSource());
                out.put("knownMissingEntries", report.knownMissing());
                out.put("leaseCommittedIndex", report.leaseCommittedIndex());
                out.put("mayLoseAcknowledgedWrites", report.mayLoseAcknowledgedWrites());
                out.put("refusal", report.refusal());
                Json.ok(res, out);
            }
            case OperatorAnswer.Promoted promoted -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("promoted", peers.view().name());
                out.put("epoch", promoted.epoch());
                out.put("lossAccepted", promoted.lossAccepted());
                Json.ok(res, out);
            }
            case OperatorAnswer.Refusal refusal ->
                throw new ApiRefusal(Status.CONFLICT_409, refusal.reason(), refusal.detail())
                        .withField("reason", refusal.reason());
            default -> throw new IllegalStateException("promote answered " + answer);
        }
    }

    /** switch-active is the active's to run: a standby answers 421 naming it, as for every write. */
    private void misdirectedUnlessWriter() {
        NodeView view = peers.view();
        if (view.state().role() == Role.STANDBY && view.epochActive() != null) {
            throw new PeerNode.NotWritten(new WriteOutcome.Misdirected(view.epochActive(), view.epoch()));
        }
    }

    private OperatorAnswer await(CompletableFuture<OperatorAnswer> answer) throws Exception {
        long bound = peering.map(p -> p.timing().switchTimeout() + p.timing().writeWait())
                        .orElse(0L)
                + ANSWER_MARGIN.toNanos();
        try {
            return answer.get(bound, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ApiRefusal(
                            Status.SERVICE_UNAVAILABLE_503,
                            "no-answer",
                            "the command was not answered within "
                                    + Duration.ofNanos(bound).toSeconds()
                                    + " s; GET /api/v1/peers shows where the cluster stands now")
                    .withHeader(HeaderNames.RETRY_AFTER, "2");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the peer machine failed on a command", e.getCause());
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new ApiRefusal(Status.BAD_REQUEST_400, "bad request", field + " must be a member's name");
        }
        return value.asText();
    }

    private static boolean flag(JsonNode body, String field) {
        JsonNode value = body.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw new ApiRefusal(Status.BAD_REQUEST_400, "bad request", field + " must be true or false");
        }
        return value.asBoolean();
    }
}
