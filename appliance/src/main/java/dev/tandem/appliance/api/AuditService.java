package dev.tandem.appliance.api;

import dev.tandem.appliance.store.AuditLog;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/audit[?limit=N][&before=ID]}: the audit log, newest first. {@code next} is the
 * {@code before} of the following page, absent on the last one.
 */
final class AuditService implements HttpService {

    private final AuditLog audit;

    AuditService(AuditLog audit) {
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/audit", this::page);
    }

    private void page(ServerRequest req, ServerResponse res) throws Exception {
        long before;
        int limit;
        try {
            before = Long.parseLong(req.query().first("before").orElse(Long.toString(Long.MAX_VALUE)));
            limit = Integer.parseInt(req.query().first("limit").orElse("100"));
        } catch (NumberFormatException e) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400, "invalid query parameter", "before and limit must be whole numbers");
        }
        if (limit < 1 || limit > 1000 || before < 1) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400,
                    "invalid query parameter",
                    "limit must be from 1 to 1000 and before at least 1");
        }
        List<AuditLog.Entry> entries = audit.page(before, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entries", entries.stream().map(AuditService::entry).toList());
        if (entries.size() == limit) {
            body.put("next", entries.get(entries.size() - 1).id());
        }
        Json.ok(res, body);
    }

    private static Map<String, Object> entry(AuditLog.Entry e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id());
        out.put("at", e.at().toString());
        out.put("actor", e.actor());
        out.put("origin", e.origin());
        out.put("action", e.action());
        out.put("detail", e.detail());
        out.put("revision", e.revision());
        return out;
    }
}
