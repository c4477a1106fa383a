package dev.tandem.appliance.pki;

import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * Who a peer's certificate speaks for (ADR 0014 §4.2): {@code spiffe://<cluster>/peer/<name>} in its
 * URI SAN. A peer's server certificate carries it beside its DNS and IP names; it is its server
 * certificate on every port and its client certificate on the peer link, where this identity, not
 * the host name dialled, is what both ends check. Names follow {@link DataPlaneIdentity#NAME}.
 */
public record PeerIdentity(String cluster, String name) {

    private static final Pattern URI = Pattern.compile("spiffe://([^/]+)/peer/([^/]+)");

    public PeerIdentity {
        if (!valid(cluster) || !valid(name)) {
            throw new IllegalArgumentException("a peer identity needs a cluster and a name of letters, digits, '.', "
                    + "'_' and '-' (at most 128, starting with a letter or digit), not '" + cluster + "' and '" + name
                    + "'");
        }
    }

    public String uri() {
        return "spiffe://" + cluster + "/peer/" + name;
    }

    /** The URI SAN that carries this identity in a certificate. */
    public GeneralName subjectAltName() {
        return new GeneralName(GeneralName.uniformResourceIdentifier, uri());
    }

    /** Whether {@code name} can be a cluster or peer name (a node id that is a host name can). */
    public static boolean valid(String name) {
        return name != null && DataPlaneIdentity.NAME.matcher(name).matches();
    }

    /** The peer identity {@code certificate} carries, whatever its cluster; empty when it carries none. */
    public static Optional<PeerIdentity> of(X509Certificate certificate) {
        for (String uri : SubjectAltNames.uris(certificate)) {
            Matcher m = URI.matcher(uri);
            if (m.matches() && valid(m.group(1)) && valid(m.group(2))) {
                return Optional.of(new PeerIdentity(m.group(1), m.group(2)));
            }
        }
        return Optional.empty();
    }

    /** The identity of {@code certificate} in {@code cluster}, or empty when it carries none for this cluster. */
    public static Optional<PeerIdentity> of(X509Certificate certificate, String cluster) {
        return of(certificate).filter(identity -> identity.cluster().equals(cluster));
    }
}
