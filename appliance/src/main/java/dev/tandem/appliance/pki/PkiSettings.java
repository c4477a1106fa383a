package dev.tandem.appliance.pki;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code pki} section of the appliance config.
 *
 * @param nodeName        this node's name (its node id): the server certificate the appliance issues itself
 *                        carries the peer identity {@code spiffe://<clusterName>/peer/<nodeName>} (ADR 0014 §4.2)
 * @param serverNames     DNS names in the server certificate (this node's names as peers and data planes dial them)
 * @param serverAddresses IP addresses in the server certificate
 * @param caCertFile      bring your own CA: its certificate (with {@code caKeyFile})
 * @param serverCertFile  bring your own server certificate (with {@code serverKeyFile})
 */
public record PkiSettings(
        String clusterName,
        String nodeName,
        List<String> serverNames,
        List<String> serverAddresses,
        Optional<Path> caCertFile,
        Optional<Path> caKeyFile,
        Optional<Path> serverCertFile,
        Optional<Path> serverKeyFile) {

    public static PkiSettings defaults(String nodeId) {
        return new PkiSettings(
                "tandem",
                nodeId,
                List.of(nodeId, "localhost"),
                List.of("127.0.0.1"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    /**
     * The peer identity this node's certificate should carry, or empty when the cluster or node name
     * cannot be one (a node id that is not a host name-like name): such a node cannot peer.
     */
    public Optional<PeerIdentity> peerIdentity() {
        return PeerIdentity.valid(clusterName) && PeerIdentity.valid(nodeName)
                ? Optional.of(new PeerIdentity(clusterName, nodeName))
                : Optional.empty();
    }
}
