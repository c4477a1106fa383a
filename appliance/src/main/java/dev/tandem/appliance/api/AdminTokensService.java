package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.Role;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.AuditLog.Event;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code POST /api/v1/admin-tokens {"name": N, "role": viewer|operator|admin}} creates a token and
 * returns it, once; {@code GET /api/v1/admin-tokens} lists names and roles;
 * {@code DELETE /api/v1/admin-tokens/{name}} revokes one and {@code POST /api/v1/admin-tokens/{name}/role
 * {"role": R}} gives it another role (never to the last admin token). Admin only (see the filter).
 */
final class AdminTokensService implements HttpService {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private final AdminTokens tokens;
    private final AuditLog audit;
    private final Clock clock;

    AdminTokensService(AdminTokens tokens, AuditLog audit, Clock clock) {
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/admin-tokens", this::list)
                .post("/admin-tokens", this::create)
                .delete("/admin-tokens/{name}", this::revoke)
                .post("/admin-tokens/{name}/role", this::changeRole);
    }

    private void list(ServerRequest req, ServerResponse res) throws Exception {
        Json.ok(
                res,
                Map.of(
                        "tokens",
                        tokens.list().stream()
                                .map(t -> {
                                    Map<String, Object> out = new LinkedHashMap<>();
                                    out.put("name", t.name());
                                    out.put("role", t.role().spelling());
                                    out.put("createdAt", t.createdAt().toString());
                                    out.put("createdBy", t.createdBy());
                                    return out;
                                })
                                .toList()));
    }

    private void revoke(ServerRequest req, ServerResponse res) throws Exception {
        String name = req.path().pathParameters().get("name");
        String by = holder(req);
        try {
            tokens.revoke(
                    audit,
                    name,
                    Event.of(clock.instant(), by, Callers.origin(req), "admin-token-revoke", "token '" + name + "'"));
        } catch (AdminTokens.Refused e) {
            throw new ApiRefusal(Status.CONFLICT_409, "not revoked", e.getMessage());
        }
        Json.ok(res, Map.of("name", name, "revoked", true));
    }

    private void changeRole(ServerRequest req, ServerResponse res) throws Exception {
        String name = req.path().pathParameters().get("name");
        JsonNode body = Json.body(req);
        String roleText = body.path("role").asText("");
        Role role = Role.named(roleText)
                .orElseThrow(() -> new ApiRefusal(
                        Status.BAD_REQUEST_400,
                        "invalid body",
                        "role must be one of viewer, operator, admin (got '" + roleText + "')"));
        String by = holder(req);
        Role before;
        try {
            before = tokens.changeRole(
                    audit,
                    name,
                    role,
                    previous -> Event.of(
                            clock.instant(),
                            by,
                            Callers.origin(req),
                            "admin-token-role-change",
                            "token '" + name + "': " + previous.spelling() + " -> " + role.spelling()));
        } catch (AdminTokens.Refused e) {
            throw new ApiRefusal(Status.CONFLICT_409, "role not changed", e.getMessage());
        }
        Json.ok(res, Map.of("name", name, "role", role.spelling(), "previousRole", before.spelling()));
    }

    private void create(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req, "the body must be JSON: {\"name\": ..., \"role\": ...}");
        String name = body.path("name").asText("");
        String roleText = body.path("role").asText("");
        var role = Role.named(roleText);
        if (!NAME.matcher(name).matches() || role.isEmpty()) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400,
                    "invalid body",
                    "name must be 1 to 100 letters, digits, '.', '_' or '-'; role one of viewer, operator, admin (got name '"
                            + name + "', role '" + roleText + "')");
        }
        String by = holder(req);
        String token;
        Instant now = clock.instant();
        try {
            token = audit.audited(
                    "admin-token",
                    c -> tokens.create(c, name, role.get(), by, now),
                    created -> Event.of(
                            now,
                            by,
                            Callers.origin(req),
                            "admin-token-create",
                            "token '" + name + "' with role " + role.get().spelling()));
        } catch (IllegalArgumentException e) {
            throw new ApiRefusal(Status.CONFLICT_409, "token exists", e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("role", role.get().spelling());
        out.put("token", token);
        Json.send(res, Status.CREATED_201, out);
    }

    /** The name of the caller's token ({@code ?} when the filter did not register one). */
    private static String holder(ServerRequest req) {
        return Callers.holder(req).name();
    }
}
