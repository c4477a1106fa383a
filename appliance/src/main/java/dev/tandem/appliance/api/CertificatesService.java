package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.store.AuditLog;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Data-plane certificates after join. {@code GET /certificates} lists what the CA issued (viewer);
 * {@code POST /certificates/{serial}/revoke {"reason": ...}} puts one on the deny list the xDS server
 * checks (admin); {@code POST /certificates/renew {"csr": PEM}} is made by the holder itself, over TLS
 * with its current certificate as the client certificate (that certificate is the credential, as the
 * join token was), and returns a new certificate for the same identity.
 */
final class CertificatesService implements HttpService {

    private final CertificateIssuer issuer;
    private final IssuedCertificates issued;
    private final AuditLog audit;
    private final Clock clock;

    CertificatesService(CertificateIssuer issuer, IssuedCertificates issued, AuditLog audit, Clock clock) {
        this.issuer = issuer;
        this.issued = issued;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/certificates", this::list)
                .post("/certificates/renew", this::renew)
                .post("/certificates/{serial}/revoke", this::revoke);
    }

    private void list(ServerRequest req, ServerResponse res) throws Exception {
        Json.ok(
                res,
                Map.of(
                        "certificates",
                        issued.list().stream().map(CertificatesService::json).toList()));
    }

    private void revoke(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = Json.body(req);
        String serial = req.path().pathParameters().get("serial");
        String reason = body.path("reason").asText("").strip();
        if (reason.length() > 400) {
            throw new ApiRefusal(Status.BAD_REQUEST_400, "invalid body", "reason is limited to 400 characters");
        }
        String by = Callers.holder(req).name();
        Instant now = clock.instant();
        try {
            IssuedCertificates.normalize(serial);
        } catch (NumberFormatException e) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400, "invalid serial", "'" + serial + "' is not a hexadecimal serial");
        }
        IssuedCertificates.Issued revoked;
        String origin = Callers.origin(req);
        try {
            revoked = issued.revoke(
                    serial,
                    by,
                    reason.isEmpty() ? null : reason,
                    now,
                    audit,
                    r -> AuditLog.Event.of(
                            now,
                            by,
                            origin,
                            "certificate-revoke",
                            r.identity() + " serial " + r.serial() + (reason.isEmpty() ? "" : ": " + reason)));
        } catch (IssuedCertificates.UnknownSerial e) {
            throw new ApiRefusal(Status.NOT_FOUND_404, "unknown certificate", e.getMessage());
        }
        Json.ok(res, json(revoked));
    }

    private void renew(ServerRequest req, ServerResponse res) throws Exception {
        Optional<X509Certificate> presented = req.remotePeer()
                .tlsCertificates()
                .filter(chain -> chain.length > 0 && chain[0] instanceof X509Certificate)
                .map(chain -> (X509Certificate) chain[0]);
        X509Certificate current = presented.orElseThrow(() -> new ApiRefusal(
                Status.UNAUTHORIZED_401,
                "renewal refused",
                "renewal is made over TLS with the current certificate as the client certificate (tandem cert renew --cert ... "
                        + "--key ...)"));
        DataPlaneIdentity identity = DataPlaneIdentity.of(current, issuer.cluster())
                .orElseThrow(() -> new ApiRefusal(
                        Status.FORBIDDEN_403,
                        "renewal refused",
                        CertificateTrust.describe(current) + " carries no data-plane identity of cluster '"
                                + issuer.cluster() + "'"));
        if (issued.isRevoked(current.getSerialNumber())) {
            throw new ApiRefusal(
                    Status.FORBIDDEN_403, "renewal refused", CertificateTrust.describe(current) + " is revoked");
        }
        CertificateIssuer.CheckedCsr csr = CertificateIssuer.csrOf(Json.body(req));
        if (!csr.nodeId().equals(identity.nodeId())) {
            throw new ApiRefusal(
                    Status.FORBIDDEN_403,
                    "renewal refused",
                    "the CSR names node '" + csr.nodeId() + "' but the certificate is " + identity.uri()
                            + "; a renewal keeps the identity");
        }
        Json.send(
                res,
                Status.CREATED_201,
                issuer.issue(
                        identity,
                        csr.key(),
                        "cert:" + identity.uri(),
                        Callers.origin(req),
                        "certificate-renew",
                        DataPlaneIdentity.serial(current),
                        clock.instant()));
    }

    private static Map<String, Object> json(IssuedCertificates.Issued c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("serial", c.serial());
        out.put("identity", c.identity());
        out.put("nodeGroup", c.nodeGroup());
        out.put("nodeId", c.nodeId());
        out.put("issuedAt", c.issuedAt().toString());
        out.put("expiresAt", c.expiresAt().toString());
        out.put("issuedBy", c.issuedBy());
        out.put("renewedFrom", c.renewedFrom());
        out.put("revokedAt", c.revokedAt() == null ? null : c.revokedAt().toString());
        out.put("revokedBy", c.revokedBy());
        out.put("revokeReason", c.revokeReason());
        return out;
    }
}
