package dev.tandem.appliance.pki;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** What a certificate's subject alternative names say: the identities (SPIFFE URIs) Tandem reads from them. */
final class SubjectAltNames {
    /** {@code uniformResourceIdentifier} in RFC 5280's GeneralName. */
    private static final int URI_SAN = 6;

    private SubjectAltNames() {}

    /** Every URI SAN of {@code certificate}, in its order; empty when it has none or they cannot be read. */
    static List<String> uris(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() == 2
                        && Integer.valueOf(URI_SAN).equals(name.get(0))
                        && name.get(1) instanceof String uri) {
                    out.add(uri);
                }
            }
        }
        return out;
    }
}
