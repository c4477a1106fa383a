package dev.tandem.appliance.api;

import dev.tandem.appliance.auth.AdminTokens;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v1/whoami}: the calling token's name and role, so that a client (the console, a
 * script) can offer only what the token may do, without trying and being refused.
 */
final class WhoamiService implements HttpService {

    @Override
    public void routing(HttpRules rules) {
        rules.get("/whoami", this::whoami);
    }

    private void whoami(ServerRequest req, ServerResponse res) {
        AdminTokens.Holder holder = Callers.holder(req);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", holder.name());
        body.put("role", holder.role().spelling());
        Json.ok(res, body);
    }
}
