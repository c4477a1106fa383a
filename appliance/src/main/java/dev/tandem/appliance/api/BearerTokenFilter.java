package dev.tandem.appliance.api;

import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.Role;
import io.helidon.http.HeaderNames;
import io.helidon.http.InternalServerException;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Every {@code /api/v1} call carries {@code Authorization: Bearer <token>} of a role allowed to make
 * it: viewer reads, operator applies, admin manages tokens and certificates. Health, readiness and metrics are open.
 * A refusal says why (never echoing the token) and is counted.
 */
final class BearerTokenFilter implements Filter {

    /** Where handlers find the caller: {@code req.context().get(HOLDER, AdminTokens.Holder.class)}. */
    static final String HOLDER = "tandem.admin-token-holder";

    private final AdminTokens tokens;
    private final Consumer<String> refused;

    BearerTokenFilter(AdminTokens tokens, Consumer<String> refused) {
        this.tokens = tokens;
        this.refused = refused;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        // The data plane's credential is the join token in the body, or for a renewal its current
        // client certificate; it has no admin token.
        if (!path.startsWith("/api/")
                || path.equals("/api/v1/join")
                || path.equals("/api/v1/peers/join")
                || path.equals("/api/v1/certificates/renew")) {
            chain.proceed();
            return;
        }
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty() || !header.get().startsWith("Bearer ")) {
            throw refused(
                    Status.UNAUTHORIZED_401,
                    "missing-token",
                    "unauthorized",
                    "this call needs Authorization: Bearer <admin token>");
        }
        Optional<AdminTokens.Holder> holder;
        try {
            holder = tokens.holder(header.get().substring("Bearer ".length()).trim());
        } catch (SQLException e) {
            // Helidon hands the cause to the error handler: logged and answered as any internal error.
            throw new InternalServerException("the admin token could not be looked up", e);
        }
        if (holder.isEmpty()) {
            throw refused(
                    Status.UNAUTHORIZED_401,
                    "invalid-token",
                    "unauthorized",
                    "the bearer token is not a valid admin token");
        }
        Role needed = needed(req.prologue().method(), path);
        if (!holder.get().role().allows(needed)) {
            throw refused(
                    Status.FORBIDDEN_403,
                    "forbidden-role",
                    "forbidden",
                    "token '" + holder.get().name() + "' has role "
                            + holder.get().role().spelling() + "; "
                            + req.prologue().method().text() + " " + path + " needs "
                            + needed.spelling());
        }
        req.context().register(HOLDER, holder.get());
        chain.proceed();
    }

    static Role needed(Method method, String path) {
        if (path.startsWith("/api/v1/admin-tokens") || path.startsWith("/api/v1/join-tokens")) {
            return Role.ADMIN;
        }
        if (path.startsWith("/api/v1/peers/promote") || path.startsWith("/api/v1/peers/tokens")) {
            // A promote may lose acknowledged writes (the report says when): the admin's to decide.
            return Role.ADMIN;
        }
        if (path.startsWith("/api/v1/peers/diverged") && method == Method.DELETE) {
            // Forgetting a write that was moved aside cannot be undone: the admin's to decide.
            return Role.ADMIN;
        }
        if (path.startsWith("/api/v1/certificates") && method != Method.GET && method != Method.HEAD) {
            return Role.ADMIN;
        }
        return method == Method.GET || method == Method.HEAD ? Role.VIEWER : Role.OPERATOR;
    }

    /** Counts the refusal under {@code reason} and returns it, to be thrown. */
    private ApiRefusal refused(Status status, String reason, String error, String detail) {
        refused.accept(reason);
        ApiRefusal refusal = new ApiRefusal(status, error, detail);
        return status == Status.UNAUTHORIZED_401
                ? refusal.withHeader(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tandem\"")
                : refusal;
    }
}
