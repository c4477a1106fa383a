package dev.tandem.appliance.pki;

import java.security.KeyPair;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** The CSR a data plane sends to join or to renew: {@code CN=<node id>}, signed by its new key. */
public final class CertificateRequests {

    private CertificateRequests() {}

    /** PEM ({@code BEGIN CERTIFICATE REQUEST}). */
    public static String pem(String nodeId, KeyPair key) {
        X500Name subject =
                new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, nodeId).build();
        try {
            return PemFiles.pem(new JcaPKCS10CertificationRequestBuilder(subject, key.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a CSR with an EC P-256 key", e);
        }
    }
}
