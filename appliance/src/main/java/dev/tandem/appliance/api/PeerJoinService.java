package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.auth.PeerTokens;
import dev.tandem.appliance.auth.TokenRefused;
import dev.tandem.appliance.peers.PeerDirectory;
import dev.tandem.appliance.peers.PeerNode;
import dev.tandem.appliance.peers.PeeringSettings;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.AuditLog.Event;
import dev.tandem.xds.model.Durations;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Joining a peer (ADR 0014 §8): {@code POST /api/v1/peers/tokens {ttl}} (admin) creates a one-time
 * peer token; {@code POST /api/v1/peers/join {token, name}} (no admin token: the peer token is the
 * credential) uses it for a configured member and answers the cluster CA and the export-signing key.
 * This is the only path by which the CA key leaves the active, and it is audited. Both are writes:
 * a standby answers 421 naming the active.
 */
final class PeerJoinService implements HttpService {

    private static final Duration MAX_TTL = Duration.ofDays(1);

    private final PeerTokens tokens;
    private final ClusterPki pki;
    private final String cluster;
    private final PeerDirectory directory;
    private final PeerNode peers;
    private final AuditLog audit;
    private final Clock clock;

    PeerJoinService(
            PeerTokens tokens,
            ClusterPki pki,
            String cluster,
            PeerDirectory directory,
            PeerNode peers,
            AuditLog audit,
            Clock clock) {
        this.tokens = tokens;
        this.pki = pki;
        this.cluster = cluster;
        this.directory = directory;
        this.peers = peers;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/peers/tokens", this::createToken).post("/peers/join", this::join);
    }

    private void createToken(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req);
        Duration ttl = Durations.parse(body.path("ttl").asText("1h"));
        if (ttl == null || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400,
                    "invalid body",
                    "ttl must be a duration from 1s to " + Durations.format(MAX_TTL) + " (got '"
                            + body.path("ttl").asText("") + "')");
        }
        requirePeering();
        String by = Callers.holder(req).name();
        Instant now = clock.instant();
        String token = audit.audited(
                "peer-token",
                c -> tokens.create(c, now.plus(ttl), by, now),
                created -> Event.of(now, by, Callers.origin(req), "peer-token-create", "ttl " + Durations.format(ttl)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("expiresAt", now.plus(ttl).toString());
        out.put("caFingerprint", ClusterPki.fingerprint(pki.ca().certificate()));
        Json.send(res, Status.CREATED_201, out);
    }

    private void join(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req);
        String name = body.path("name").asText("");
        String token = body.path("token").asText("");
        PeerDirectory members = requirePeering();
        if (members.member(name).isEmpty()) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400,
                    "not-a-member",
                    "'" + name + "' is not a member in this node's peering.members "
                            + members.members().stream()
                                    .map(PeeringSettings.Member::name)
                                    .toList()
                            + "; add it to every peer's config first");
        }
        if (name.equals(peers.view().name())) {
            throw new ApiRefusal(Status.BAD_REQUEST_400, "not-a-member", "'" + name + "' is this node itself");
        }
        Instant now = clock.instant();
        String origin = Callers.origin(req);
        try {
            audit.audited(
                    "peer-join",
                    c -> {
                        tokens.redeem(c, token, name, now);
                        return name;
                    },
                    joined -> Event.of(
                            now,
                            "peer-join:" + name,
                            origin,
                            "peer-join",
                            "member " + name + " joined; the cluster CA and the export-signing key were handed out "
                                    + "(caHandedOut)"));
        } catch (TokenRefused e) {
            throw new ApiRefusal(Status.UNAUTHORIZED_401, "join refused", e.getMessage())
                    .withField("reason", e.reason());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cluster", cluster);
        out.put("name", name);
        out.put("epoch", peers.view().epoch());
        out.put("active", peers.view().name());
        out.put("caCertificate", PemFiles.pem(pki.ca().certificate()));
        out.put("caKey", PemFiles.privatePem(pki.ca().key()));
        out.put("exportSigningKey", PemFiles.privatePem(pki.exportSigningKey().getPrivate()));
        out.put("exportSigningPublicKey", PemFiles.pem(pki.exportSigningKey().getPublic()));
        out.put(
                "members",
                members.members().stream().map(PeeringSettings.Member::name).toList());
        Json.send(res, Status.CREATED_201, out);
    }

    private PeerDirectory requirePeering() {
        if (directory.members().isEmpty()) {
            throw new ApiRefusal(
                    Status.CONFLICT_409,
                    "no-peering",
                    "this node has no peering section: configure peering.members on every peer first");
        }
        return directory;
    }
}
