package dev.tandem.appliance.api;

import dev.tandem.appliance.store.Revision;
import dev.tandem.appliance.store.RevisionStore;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code GET /api/v1/revisions} (newest first, {@code ?limit=N}) and {@code GET /api/v1/revisions/{n}}. */
final class RevisionsService implements HttpService {

    private static final int MAX_LIMIT = 1000;

    private final RevisionStore store;

    RevisionsService(RevisionStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/revisions", this::list).get("/revisions/{number}", this::one);
    }

    private void list(ServerRequest req, ServerResponse res) throws Exception {
        Optional<String> limitText = req.query().first("limit").asOptional();
        int limit = 100;
        if (limitText.isPresent()) {
            try {
                limit = Integer.parseInt(limitText.get());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                Json.error(res, Status.BAD_REQUEST_400, "invalid query parameter",
                        List.of("limit '" + limitText.get() + "' must be a whole number from 1 to " + MAX_LIMIT));
                return;
            }
        }
        Json.ok(res, Map.of("revisions", store.list(limit).stream().map(r -> summary(r)).toList()));
    }

    private void one(ServerRequest req, ServerResponse res) throws Exception {
        String text = req.path().pathParameters().get("number");
        long number;
        try {
            number = Long.parseLong(text);
        } catch (NumberFormatException e) {
            Json.error(res, Status.BAD_REQUEST_400, "invalid revision number", List.of("'" + text + "' is not a revision number"));
            return;
        }
        Optional<Revision> revision = store.get(number);
        if (revision.isEmpty()) {
            Json.error(res, Status.NOT_FOUND_404, "no such revision", List.of("revision " + number + " does not exist"));
            return;
        }
        Map<String, Object> body = summary(revision.get());
        body.put("config", Redaction.privateKeys(revision.get().documents()));
        Json.ok(res, body);
    }

    static Map<String, Object> summary(Revision r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("number", r.number());
        out.put("appliedBy", r.appliedBy());
        out.put("appliedFrom", r.appliedFrom());
        out.put("appliedAt", r.appliedAt().toString());
        out.put("documents", r.documentCount());
        return out;
    }
}
