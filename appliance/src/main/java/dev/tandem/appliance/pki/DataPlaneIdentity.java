package dev.tandem.appliance.pki;

import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who a data-plane certificate speaks for: {@code spiffe://<cluster>/group/<group>/node/<node id>} in
 * its URI SAN. The group is what the xDS server binds a connection to; the node id names the holder
 * (one certificate may be shared by the nodes of a group, so the node id is not bound).
 */
public record DataPlaneIdentity(String cluster, String nodeGroup, String nodeId) {

    /** Node groups, node ids and cluster names: what the join API accepts. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private static final Pattern URI = Pattern.compile("spiffe://([^/]+)/group/([^/]+)/node/([^/]+)");

    public String uri() {
        return "spiffe://" + cluster + "/group/" + nodeGroup + "/node/" + nodeId;
    }

    /** The identity of {@code certificate} in {@code cluster}, or empty when it carries none for this cluster. */
    public static Optional<DataPlaneIdentity> of(X509Certificate certificate, String cluster) {
        return of(certificate).filter(identity -> identity.cluster().equals(cluster));
    }

    /** The identity {@code certificate} carries, whatever its cluster (a data plane reading its own). */
    public static Optional<DataPlaneIdentity> of(X509Certificate certificate) {
        for (String uri : SubjectAltNames.uris(certificate)) {
            Matcher m = URI.matcher(uri);
            if (m.matches()
                    && NAME.matcher(m.group(1)).matches()
                    && NAME.matcher(m.group(2)).matches()
                    && NAME.matcher(m.group(3)).matches()) {
                return Optional.of(new DataPlaneIdentity(m.group(1), m.group(2), m.group(3)));
            }
        }
        return Optional.empty();
    }

    /** Serials as the API, the audit log and {@code tandem cert revoke} write them: lower-case hex. */
    public static String serial(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }
}
