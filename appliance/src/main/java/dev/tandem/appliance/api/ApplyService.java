package dev.tandem.appliance.api;

import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.appliance.revisions.RevisionWriter.ApplyResult;
import dev.tandem.appliance.revisions.RevisionWriter.DryRun;
import dev.tandem.appliance.store.Revision;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.snapshot.GroupChanges;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The writes that store a revision: {@code POST /api/v1/apply} (a YAML gateway config in the body
 * becomes the next revision; with {@code ?dryRun=true} it is only validated, translated and compared
 * with what is served) and {@code POST /api/v1/revisions/{number}/restore} (a stored revision applied
 * again). A config that is not valid is refused whole by {@link ApiErrors}, every error of the file
 * listed with its place.
 */
final class ApplyService implements HttpService {

    private final RevisionWriter revisions;
    private final RevisionStore store;
    private final ApplyAdmission admission;

    ApplyService(RevisionWriter revisions, RevisionStore store, ApplyAdmission admission) {
        this.revisions = revisions;
        this.store = store;
        this.admission = admission;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/apply", this::apply).post("/revisions/{number}/restore", this::restore);
    }

    private void apply(ServerRequest req, ServerResponse res) throws Exception {
        boolean dryRun = dryRun(req);
        // An empty body is an empty config: refused by validation like any other, with a 400.
        String yaml = req.content().hasEntity() ? req.content().as(String.class) : "";
        if (dryRun) {
            // Parsing and translating are the CPU an apply costs: admitted the same way.
            DryRun outcome = admission.call(() -> revisions.dryRun(revisions.parse(yaml)));
            Json.ok(res, dryRunBody(outcome));
            return;
        }
        GatewayConfig config = admission.call(() -> revisions.parse(yaml));
        ApplyResult result = revisions.apply(yaml, config, Callers.holder(req).name(), Callers.origin(req));
        send(res, result, applyBody(result));
    }

    private void restore(ServerRequest req, ServerResponse res) throws Exception {
        Revision revision = RevisionsService.stored(store, req);
        GatewayConfig config = admission.call(() -> revisions.parseStored(revision));
        ApplyResult result =
                revisions.restore(revision, config, Callers.holder(req).name(), Callers.origin(req));
        Map<String, Object> body = applyBody(result);
        body.put("restoredFrom", revision.number());
        send(res, result, body);
    }

    private static boolean dryRun(ServerRequest req) {
        Optional<String> value = req.query().first("dryRun").asOptional();
        if (value.isEmpty() || value.get().equals("false")) {
            return false;
        }
        if (value.get().equals("true")) {
            return true;
        }
        throw new ApiRefusal(
                Status.BAD_REQUEST_400,
                "invalid query parameter",
                "dryRun '" + value.get() + "' must be true or false");
    }

    private static void send(ServerResponse res, ApplyResult result, Map<String, Object> body) {
        Json.send(res, result.unchanged() ? Status.OK_200 : Status.CREATED_201, body);
    }

    private static Map<String, Object> applyBody(ApplyResult result) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("revision", result.revision());
        body.put("unchanged", result.unchanged());
        body.put("nodeGroups", result.nodeGroups());
        body.put("versions", result.versions());
        // Stored either way (numbers are never reused); a publish that failed is retried until it succeeds.
        body.put("published", result.published());
        if (!result.published()) {
            body.put("publishError", result.publishError());
        }
        return body;
    }

    private static Map<String, Object> dryRunBody(DryRun outcome) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dryRun", true);
        body.put("unchanged", outcome.unchanged());
        outcome.servedRevision().ifPresent(n -> body.put("servedRevision", n));
        body.put("nodeGroups", outcome.nodeGroups());
        body.put("versions", outcome.versions());
        SortedMap<String, Object> changes = new TreeMap<>();
        outcome.changes().forEach((group, groupChanges) -> changes.put(group, byType(groupChanges)));
        body.put("changes", changes);
        return body;
    }

    private static Map<String, Object> byType(GroupChanges changes) {
        Map<String, Object> out = new LinkedHashMap<>();
        changes.byType().forEach((type, typeChanges) -> {
            Map<String, Object> lists = new LinkedHashMap<>();
            lists.put("added", typeChanges.added());
            lists.put("changed", typeChanges.changed());
            lists.put("removed", typeChanges.removed());
            out.put(type.shortName(), lists);
        });
        return out;
    }
}
