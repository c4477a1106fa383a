package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.auth.TokenRefused;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.AuditLog.Event;
import dev.tandem.xds.bootstrap.XdsPeer;
import dev.tandem.xds.model.Durations;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Data-plane join. {@code POST /api/v1/join-tokens {"nodeGroup": G, "ttl": "1h", "uses": N}} (admin)
 * returns a token that works N times (default once), each time for another node id;
 * {@code POST /api/v1/join {"token": T, "csr": PEM}} (the token is the credential) returns a client
 * certificate for the group, {@code spiffe://<cluster>/group/<G>/node/<id>} in its URI SAN with the
 * node id from the CSR's CN, and the CA bundle.
 */
final class JoinService implements HttpService {

    /** Enough for an autoscaled fleet; a leaked token buys at most this many identities. */
    static final int MAX_USES = 10_000;

    private static final Duration MAX_TTL = Duration.ofDays(7);
    private static final Pattern ID = DataPlaneIdentity.NAME;

    private final JoinTokens tokens;
    private final CertificateIssuer issuer;
    private final AuditLog audit;
    private final Clock clock;
    private final List<XdsPeer> peers;
    private final boolean xdsInsecure;
    private final Consumer<String> refused;

    /**
     * @param peers   every peer's xDS endpoint, returned to a joined data plane for its bootstrap
     * @param refused counts a refused join under its reason (the metric)
     */
    JoinService(
            JoinTokens tokens,
            CertificateIssuer issuer,
            AuditLog audit,
            Clock clock,
            List<XdsPeer> peers,
            boolean xdsInsecure,
            Consumer<String> refused) {
        this.tokens = tokens;
        this.issuer = issuer;
        this.audit = audit;
        this.clock = clock;
        this.peers = List.copyOf(peers);
        this.xdsInsecure = xdsInsecure;
        this.refused = refused;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/join-tokens", this::createToken).post("/join", this::join);
    }

    private void createToken(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req);
        String group = body.path("nodeGroup").asText("");
        Duration ttl = Durations.parse(body.path("ttl").asText("1h"));
        int uses = uses(body.path("uses"));
        List<String> errors = new ArrayList<>();
        if (!ID.matcher(group).matches()) {
            errors.add("nodeGroup must be a node group name (got '" + group + "')");
        }
        if (ttl == null || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            errors.add("ttl must be a duration from 1s to " + Durations.format(MAX_TTL) + " (got '"
                    + body.path("ttl").asText("") + "')");
        }
        if (uses < 1 || uses > MAX_USES) {
            errors.add("uses must be a whole number from 1 to " + MAX_USES + " (got '"
                    + body.path("uses").asText("") + "')");
        }
        if (!errors.isEmpty()) {
            throw new ApiRefusal(Status.BAD_REQUEST_400, "invalid body", errors);
        }
        String by = Callers.holder(req).name();
        Instant now = clock.instant();
        String token = audit.audited(
                "join-token",
                c -> tokens.create(c, group, uses, now.plus(ttl), by, now),
                created -> Event.of(
                        now,
                        by,
                        Callers.origin(req),
                        "join-token-create",
                        "node group " + group + ", ttl " + Durations.format(ttl) + ", uses " + uses));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("nodeGroup", group);
        out.put("uses", uses);
        out.put("expiresAt", now.plus(ttl).toString());
        out.put("caFingerprint", issuer.caFingerprint());
        Json.send(res, Status.CREATED_201, out);
    }

    private void join(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req);
        CertificateIssuer.CheckedCsr csr;
        try {
            csr = CertificateIssuer.csrOf(body);
        } catch (ApiRefusal invalid) {
            refused.accept("invalid-csr");
            throw invalid;
        }
        Instant now = clock.instant();
        String actor = "join:" + csr.nodeId();
        String origin = Callers.origin(req);
        JoinTokens.Redeemed redeemed;
        try {
            // The token's use, the certificate's record and the audit entry: one transaction, so a
            // crash never leaves a used token without its certificate.
            redeemed = audit.audited(
                    "join",
                    c -> tokens.redeem(
                            c,
                            body.path("token").asText(""),
                            csr.nodeId(),
                            now,
                            group -> issuer.sign(
                                    new DataPlaneIdentity(issuer.cluster(), group, csr.nodeId()), csr.key(), now)),
                    r -> CertificateIssuer.event(
                            CertificateIssuer.Issuance.of(r.identity(), r.certificate(), null),
                            actor,
                            origin,
                            "certificate-issue",
                            now));
        } catch (TokenRefused e) {
            refused.accept(e.reason());
            throw new ApiRefusal(Status.UNAUTHORIZED_401, "join refused", e.getMessage());
        }
        Map<String, Object> out =
                issuer.answer(CertificateIssuer.Issuance.of(redeemed.identity(), redeemed.certificate(), null));
        out.put("nodeGroup", redeemed.identity().nodeGroup());
        out.put("tokenUse", redeemed.use());
        out.put("tokenUses", redeemed.maxUses());
        out.put("xdsTls", !xdsInsecure);
        out.put(
                "peers",
                peers.stream()
                        .map(p -> Map.of("name", p.name(), "address", p.address(), "port", p.port()))
                        .toList());
        Json.send(res, Status.CREATED_201, out);
    }

    /** A whole number or its digits (the CLI sends strings); 1 when absent, 0 when not a whole number. */
    private static int uses(JsonNode uses) {
        if (uses.isMissingNode()) {
            return 1;
        }
        if (uses.isIntegralNumber() && uses.canConvertToInt()) {
            return uses.intValue();
        }
        return uses.isTextual() && uses.asText().matches("[0-9]{1,9}") ? Integer.parseInt(uses.asText()) : 0;
    }
}
