package dev.tandem.appliance.api;

import dev.tandem.appliance.export.Exporter;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code GET /export} (viewer): what was exported where, per node group, and the last error;
 * {@code POST /export} (operator): try now, whatever the retry backoff says, and answer with the
 * result (200 when every group's newest revision is in the store, 503 with the errors otherwise).
 */
final class ExportService implements HttpService {

    private static final long WAIT_SECONDS = 30;

    private final Exporter exporter;

    ExportService(Exporter exporter) {
        this.exporter = exporter;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/export", (req, res) -> Json.ok(res, status(exporter))).post("/export", this::exportNow);
    }

    private void exportNow(ServerRequest req, ServerResponse res) throws Exception {
        try {
            exporter.exportNow().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new ApiRefusal(
                    Status.SERVICE_UNAVAILABLE_503,
                    "export still running",
                    "no answer from " + exporter.storeDescription() + " within " + WAIT_SECONDS
                            + " s; GET /api/v1/export shows the outcome");
        }
        Map<String, Object> body = status(exporter);
        boolean complete = exporter.status().values().stream().allMatch(s -> s.lag() == 0);
        Json.send(res, complete ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, body);
    }

    static Map<String, Object> status(Exporter exporter) {
        Map<String, Object> groups = new LinkedHashMap<>();
        exporter.status().forEach((group, s) -> {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("revision", s.revision());
            g.put("exportedRevision", s.exportedRevision());
            g.put("lag", s.lag());
            g.put("exportedAt", s.exportedAt() == null ? null : s.exportedAt().toString());
            g.put("lastError", s.lastError());
            g.put(
                    "lastErrorAt",
                    s.lastErrorAt() == null ? null : s.lastErrorAt().toString());
            groups.put(group, g);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("store", exporter.storeDescription());
        out.put("nodeGroups", groups);
        return out;
    }
}
