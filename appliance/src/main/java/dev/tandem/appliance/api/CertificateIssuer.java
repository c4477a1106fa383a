package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.store.AuditLog;
import io.helidon.http.Status;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Issues data-plane client certificates (on join and on renewal): checks the CSR, signs with the
 * cluster CA, records the serial (the deny list needs it) and audits the issuance.
 */
final class CertificateIssuer {

    static final Duration DATA_PLANE_VALIDITY = Duration.ofDays(30);

    /** A CSR that was checked: its key signed it, and its subject is {@code CN=<node id>}. */
    record CheckedCsr(PublicKey key, String nodeId) {}

    private final ClusterPki pki;
    private final String cluster;
    private final IssuedCertificates issued;
    private final AuditLog audit;

    CertificateIssuer(ClusterPki pki, String cluster, IssuedCertificates issued, AuditLog audit) {
        this.pki = pki;
        this.cluster = cluster;
        this.issued = issued;
        this.audit = audit;
    }

    String cluster() {
        return cluster;
    }

    /** What a joining data plane pins before it has the CA ({@code --ca-fingerprint}). */
    String caFingerprint() {
        return ClusterPki.fingerprint(pki.ca().certificate());
    }

    /**
     * The checked {@code csr} of a JSON body.
     *
     * @throws ApiRefusal 400 saying what is wrong with it
     */
    static CheckedCsr csrOf(JsonNode body) {
        try {
            return check(body.path("csr").asText(""));
        } catch (IllegalArgumentException e) {
            throw new ApiRefusal(Status.BAD_REQUEST_400, "invalid certificate request", String.valueOf(e.getMessage()));
        }
    }

    /** @throws IllegalArgumentException saying what is wrong with the CSR */
    static CheckedCsr check(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (!(object instanceof PKCS10CertificationRequest request)) {
                throw new IllegalArgumentException("csr must be a PEM certificate request (BEGIN CERTIFICATE REQUEST)");
            }
            if (!request.isSignatureValid(
                    new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the CSR's signature does not match its key");
            }
            RDN[] cns = request.getSubject().getRDNs(BCStyle.CN);
            String nodeId =
                    cns.length == 1 ? IETFUtils.valueToString(cns[0].getFirst().getValue()) : "";
            if (!DataPlaneIdentity.NAME.matcher(nodeId).matches()) {
                throw new IllegalArgumentException(
                        "the CSR's subject must be CN=<node id> (letters, digits, '.', '_', '-'), not '"
                                + request.getSubject() + "'");
            }
            return new CheckedCsr(new JcaPKCS10CertificationRequest(request).getPublicKey(), nodeId);
        } catch (IOException
                | GeneralSecurityException
                | OperatorCreationException
                | PKCSException
                | RuntimeException e) {
            if (e instanceof IllegalArgumentException illegal) {
                throw illegal;
            }
            throw new IllegalArgumentException("csr is not a readable certificate request: " + e.getMessage(), e);
        }
    }

    /** A certificate signed and recorded, not yet answered. */
    record Issuance(DataPlaneIdentity identity, X509Certificate certificate, String serial, String renewedFrom) {

        static Issuance of(DataPlaneIdentity identity, X509Certificate certificate, String renewedFrom) {
            return new Issuance(identity, certificate, DataPlaneIdentity.serial(certificate), renewedFrom);
        }
    }

    /** Signs a data-plane certificate for {@code identity}; nothing is recorded yet. */
    X509Certificate sign(DataPlaneIdentity identity, PublicKey key, Instant now) {
        return pki.ca()
                .issue(
                        key,
                        identity.nodeId(),
                        List.of(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri())),
                        DATA_PLANE_VALIDITY,
                        now,
                        false,
                        true);
    }

    /**
     * Signs a certificate for {@code identity} and records its serial (the deny list needs it) in the
     * caller's transaction; {@link #event} is its audit entry, {@link #answer} the API's answer.
     */
    Issuance issue(
            Connection c, DataPlaneIdentity identity, PublicKey key, String actor, String renewedFrom, Instant now)
            throws SQLException {
        Issuance issuance = Issuance.of(identity, sign(identity, key, now), renewedFrom);
        IssuedCertificates.record(
                c,
                issuance.serial(),
                identity.uri(),
                identity.nodeGroup(),
                identity.nodeId(),
                now,
                issuance.certificate().getNotAfter().toInstant(),
                actor,
                renewedFrom,
                null);
        return issuance;
    }

    /** Signs, records and audits a certificate in one transaction; returns the API answer. */
    Map<String, Object> issue(
            DataPlaneIdentity identity,
            PublicKey key,
            String actor,
            String origin,
            String action,
            String renewedFrom,
            Instant now)
            throws SQLException {
        return answer(audit.audited(
                "certificate",
                c -> issue(c, identity, key, actor, renewedFrom, now),
                issuance -> event(issuance, actor, origin, action, now)));
    }

    static AuditLog.Event event(Issuance issuance, String actor, String origin, String action, Instant now) {
        return AuditLog.Event.of(
                now,
                actor,
                origin,
                action,
                issuance.identity().uri() + " serial " + issuance.serial()
                        + (issuance.renewedFrom() == null ? "" : " (renews " + issuance.renewedFrom() + ")"));
    }

    /** Identity, certificate, CA bundle, serial, expiry. */
    Map<String, Object> answer(Issuance issuance) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("identity", issuance.identity().uri());
        out.put("serial", issuance.serial());
        out.put("certificate", PemFiles.pem(issuance.certificate()));
        out.put("caBundle", PemFiles.pem(pki.ca().certificate()));
        out.put("expiresAt", issuance.certificate().getNotAfter().toInstant().toString());
        return out;
    }
}
