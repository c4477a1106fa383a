package dev.tandem.appliance.api;

import dev.tandem.appliance.store.Revision;
import dev.tandem.appliance.store.RevisionStore;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/revisions} (newest first, {@code ?limit=N}) and {@code GET /api/v1/revisions/{n}}
 * (its private keys redacted). Restoring one is a write: {@link ApplyService}.
 */
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
                throw new ApiRefusal(
                        Status.BAD_REQUEST_400,
                        "invalid query parameter",
                        "limit '" + limitText.get() + "' must be a whole number from 1 to " + MAX_LIMIT);
            }
        }
        Json.ok(
                res,
                Map.of(
                        "revisions",
                        store.list(limit).stream().map(r -> summary(r)).toList()));
    }

    private void one(ServerRequest req, ServerResponse res) throws Exception {
        Revision revision = stored(store, req);
        Map<String, Object> body = summary(revision);
        body.put("config", Redaction.privateKeys(revision.documents()));
        Json.ok(res, body);
    }

    /**
     * The stored revision the path's {@code {number}} names.
     *
     * @throws ApiRefusal 400 when it is not a number, 404 when no such revision is stored
     */
    static Revision stored(RevisionStore store, ServerRequest req) throws SQLException {
        String text = req.path().pathParameters().get("number");
        long number;
        try {
            number = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400, "invalid revision number", "'" + text + "' is not a revision number");
        }
        return store.get(number)
                .orElseThrow(() -> new ApiRefusal(
                        Status.NOT_FOUND_404, "no such revision", "revision " + number + " does not exist"));
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
