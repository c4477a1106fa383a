package dev.tandem.appliance.pki;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code pki} section of the appliance config.
 *
 * @param serverNames     DNS names in the server certificate (this node's names as peers and data planes dial them)
 * @param serverAddresses IP addresses in the server certificate
 * @param caCertFile      bring your own CA: its certificate (with {@code caKeyFile})
 * @param serverCertFile  bring your own server certificate (with {@code serverKeyFile})
 */
public record PkiSettings(
        String clusterName,
        List<String> serverNames,
        List<String> serverAddresses,
        Optional<Path> caCertFile,
        Optional<Path> caKeyFile,
        Optional<Path> serverCertFile,
        Optional<Path> serverKeyFile) {

    public static PkiSettings defaults(String nodeId) {
        return new PkiSettings(
                "tandem",
                List.of(nodeId, "localhost"),
                List.of("127.0.0.1"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }
}
