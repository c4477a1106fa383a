package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.xds.model.Durations;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.StringReader;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Data-plane join. {@code POST /api/v1/join-tokens {"nodeGroup": G, "ttl": "1h"}} (admin) returns a
 * one-time token; {@code POST /api/v1/join {"token": T, "csr": PEM}} (the token is the credential)
 * returns a client certificate for the group, {@code spiffe://<cluster>/group/<G>/node/<id>} in its
 * URI SAN with the node id from the CSR's CN, and the CA bundle.
 */
final class JoinService implements HttpService {

    static final Duration DATA_PLANE_VALIDITY = Duration.ofDays(30);
    private static final Duration MAX_TTL = Duration.ofDays(7);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final JoinTokens tokens;
    private final ClusterPki pki;
    private final String clusterName;
    private final AuditLog audit;
    private final Clock clock;

    JoinService(JoinTokens tokens, ClusterPki pki, String clusterName, AuditLog audit, Clock clock) {
        this.tokens = tokens;
        this.pki = pki;
        this.clusterName = clusterName;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/join-tokens", this::createToken).post("/join", this::join);
    }

    private void createToken(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = body(req, res);
        if (body == null) {
            return;
        }
        String group = body.path("nodeGroup").asText("");
        Duration ttl = Durations.parse(body.path("ttl").asText("1h"));
        if (!ID.matcher(group).matches() || ttl == null || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            Json.error(res, Status.BAD_REQUEST_400, "invalid body", List.of("nodeGroup must be a node group name and ttl a "
                    + "duration from 1s to " + Durations.format(MAX_TTL) + " (got nodeGroup '" + group + "', ttl '"
                    + body.path("ttl").asText("") + "')"));
            return;
        }
        String by = req.context().get(BearerTokenFilter.HOLDER, AdminTokens.Holder.class).map(AdminTokens.Holder::name).orElse("?");
        Instant now = clock.instant();
        String token = tokens.create(group, now.plus(ttl), by, now);
        audit.record(now, by, req.remotePeer().host(), "join-token-create", "node group " + group + ", ttl " + Durations.format(ttl), null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("nodeGroup", group);
        out.put("expiresAt", now.plus(ttl).toString());
        Json.send(res, Status.CREATED_201, out);
    }

    private void join(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = body(req, res);
        if (body == null) {
            return;
        }
        PKCS10CertificationRequest csr;
        String nodeId;
        try (PEMParser parser = new PEMParser(new StringReader(body.path("csr").asText("")))) {
            Object object = parser.readObject();
            if (!(object instanceof PKCS10CertificationRequest request)) {
                throw new IllegalArgumentException("csr must be a PEM certificate request (BEGIN CERTIFICATE REQUEST)");
            }
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the CSR's signature does not match its key");
            }
            RDN[] cns = request.getSubject().getRDNs(BCStyle.CN);
            nodeId = cns.length == 1 ? IETFUtils.valueToString(cns[0].getFirst().getValue()) : "";
            if (!ID.matcher(nodeId).matches()) {
                throw new IllegalArgumentException("the CSR's subject must be CN=<node id> (letters, digits, '.', '_', '-'), not '"
                        + request.getSubject() + "'");
            }
            csr = request;
        } catch (IllegalArgumentException | java.io.IOException | org.bouncycastle.operator.OperatorCreationException
                 | org.bouncycastle.pkcs.PKCSException e) {
            Json.error(res, Status.BAD_REQUEST_400, "invalid certificate request", List.of(String.valueOf(e.getMessage())));
            return;
        }
        Instant now = clock.instant();
        String group;
        try {
            group = tokens.redeem(body.path("token").asText(""), nodeId, now);
        } catch (JoinTokens.Refused e) {
            Json.error(res, Status.UNAUTHORIZED_401, "join refused", List.of(e.getMessage()));
            return;
        }
        String identity = "spiffe://" + clusterName + "/group/" + group + "/node/" + nodeId;
        X509Certificate certificate = pki.ca().issue(new JcaPKCS10CertificationRequest(csr).getPublicKey(), nodeId,
                List.of(new GeneralName(GeneralName.uniformResourceIdentifier, identity)), DATA_PLANE_VALIDITY, now, false, true);
        audit.record(now, "join:" + nodeId, req.remotePeer().host(), "certificate-issue",
                identity + " serial " + certificate.getSerialNumber().toString(16), null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("identity", identity);
        out.put("certificate", PemFiles.pem(certificate));
        out.put("caBundle", PemFiles.pem(pki.ca().certificate()));
        out.put("expiresAt", certificate.getNotAfter().toInstant().toString());
        Json.send(res, Status.CREATED_201, out);
    }

    private static JsonNode body(ServerRequest req, ServerResponse res) {
        try {
            return new ObjectMapper().readTree(req.content().hasEntity() ? req.content().as(String.class) : "{}");
        } catch (java.io.IOException e) {
            Json.error(res, Status.BAD_REQUEST_400, "invalid body", List.of("the body must be JSON"));
            return null;
        }
    }
}
