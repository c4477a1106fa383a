package dev.tandem.appliance.api;

import dev.tandem.appliance.ErrorReference;
import dev.tandem.appliance.peers.PeerDirectory;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.store.Database;
import dev.tandem.peers.WriteOutcome;
import dev.tandem.xds.model.InvalidConfigException;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every exception a handler or the token filter lets out becomes an answer, in the one error
 * shape ({@link Json#error}): handlers throw their refusals ({@link ApiRefusal}) and an apply's invalid
 * config ({@link InvalidConfigException}) rather than write them. A client's mistake is a 4xx that says
 * what to do: an unknown path 404, a known path with another method 405 with {@code Allow}, Helidon's
 * own 4xx refusals as they are; none of them is logged as an error. Anything else is an internal
 * error: logged once with its stack trace under a short reference, and answered 500 with only that
 * reference (never a class name or message, which can hold internals).
 */
final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    private final RouteTable routes;
    private final Runnable internalError;
    private final PeerDirectory members;

    /**
     * @param internalError counts an internal error (the metric)
     * @param members where a write sent to a standby is redirected
     */
    ApiErrors(RouteTable routes, Runnable internalError, PeerDirectory members) {
        this.routes = routes;
        this.internalError = internalError;
        this.members = members;
    }

    /** The last route: what no other route took is 404, or 405 if the path has other methods. */
    void unmatched(ServerRequest req, ServerResponse res) {
        String method = req.prologue().method().text();
        String path = req.path().absolute().path();
        Set<String> allowed = routes.allowed(path);
        if (allowed.isEmpty()) {
            Json.error(
                    res,
                    Status.NOT_FOUND_404,
                    "not found",
                    List.of("no such path: " + path
                            + " (the admin API is under /api/v1; /openapi.yaml describes every path)"));
        } else {
            res.header(HeaderNames.ALLOW, String.join(", ", allowed));
            Json.error(
                    res,
                    Status.METHOD_NOT_ALLOWED_405,
                    "method not allowed",
                    List.of(method + " is not allowed on " + path + "; allowed: " + String.join(", ", allowed)));
        }
    }

    /** The error handler of the routing: every exception a handler or the token filter lets out. */
    void handle(ServerRequest req, ServerResponse res, Exception e) {
        if (e instanceof ApiRefusal refusal) {
            refuse(res, refusal);
            return;
        }
        if (e instanceof PeerNode.NotWritten notWritten) {
            refuse(res, notWritten(req, notWritten.outcome()));
            return;
        }
        if (e instanceof InvalidConfigException invalid) {
            // An apply's config, refused whole: every error of the file, one detail each.
            Json.invalidConfig(res, invalid.errors());
            return;
        }
        if (e instanceof NotFoundException) {
            unmatched(req, res);
            return;
        }
        if (Database.lockTimedOut(e)) {
            // Writes queued on one row for longer than the store waits: the caller's to retry, not a fault.
            refuse(
                    res,
                    new ApiRefusal(
                                    Status.SERVICE_UNAVAILABLE_503,
                                    "busy",
                                    "another write holds what this one needs; " + "retry after 1 s")
                            .withHeader(HeaderNames.RETRY_AFTER, "1"));
            return;
        }
        if (e instanceof HttpException http
                && http.status().code() >= 400
                && http.status().code() < 500) {
            Json.error(
                    res,
                    http.status(),
                    http.status().reasonPhrase().toLowerCase(Locale.ROOT),
                    List.of(String.valueOf(http.getMessage())));
            return;
        }
        internal(req, res, e);
    }

    /**
     * A write this node did not take (ADR 0014 §8): 421 naming the active, with {@code Location} at
     * the same path on the active (the CLI follows it once); 503 with {@code Retry-After} when no node
     * can take it now; 409 when the protocol refused it.
     */
    private ApiRefusal notWritten(ServerRequest req, WriteOutcome outcome) {
        return switch (outcome) {
            case WriteOutcome.Misdirected misdirected -> {
                Optional<URI> admin = members.adminUrl(misdirected.active());
                String self = members.self();
                Map<String, Object> active = new LinkedHashMap<>();
                active.put("name", misdirected.active());
                active.put("adminUrl", admin.map(URI::toString).orElse(null));
                active.put("epoch", misdirected.epoch());
                ApiRefusal refusal = new ApiRefusal(
                                Status.create(421, "Misdirected Request"),
                                "misdirected",
                                self + " is a standby; writes go to the active " + misdirected.active()
                                        + admin.map(u -> " at " + u).orElse("") + " (epoch " + misdirected.epoch()
                                        + ")")
                        .withField("active", active);
                if (admin.isPresent()) {
                    String query = req.query().rawValue();
                    refusal = refusal.withHeader(
                            HeaderNames.LOCATION,
                            admin.get()
                                    .resolve(req.path().absolute().rawPath() + (query.isEmpty() ? "" : "?" + query))
                                    .toString());
                }
                yield refusal;
            }
            case WriteOutcome.Unavailable unavailable ->
                new ApiRefusal(
                                Status.SERVICE_UNAVAILABLE_503,
                                unavailable.reason(),
                                "this write was not taken: " + unavailable.detail())
                        .withHeader(
                                HeaderNames.RETRY_AFTER, String.valueOf(Math.max(1, unavailable.retryAfterSeconds())));
            case WriteOutcome.Refused refused ->
                new ApiRefusal(
                        Status.CONFLICT_409, "write-refused", "the peers refused this write: " + refused.reason());
            case WriteOutcome.Committed committed ->
                throw new IllegalStateException("a committed write is not refused");
        };
    }

    /** A failure of the appliance itself: logged with a reference, answered with only the reference. */
    private void internal(ServerRequest req, ServerResponse res, Throwable e) {
        String reference = ErrorReference.next();
        internalError.run();
        LOG.error(
                "internal error {}: {} {}",
                reference,
                req.prologue().method().text(),
                req.path().absolute().path(),
                e);
        Json.error(
                res,
                Status.INTERNAL_SERVER_ERROR_500,
                "internal error",
                List.of("reference " + reference + ": the appliance log has the details under this reference"));
    }

    private static void refuse(ServerResponse res, ApiRefusal refusal) {
        refusal.headers().forEach(res::header);
        Json.error(res, refusal.status(), refusal.error(), refusal.details(), refusal.fields());
    }
}
