package dev.tandem.xds.bootstrap;

import java.nio.file.Path;

/**
 * Where a data plane keeps what it presents to the Tandem peers over mTLS: the cluster CA, its client
 * certificate and key (what {@code tandem bootstrap --join} writes). The files stay on the data-plane
 * host; bootstraps only name them.
 */
public record XdsClientTls(String caFile, String certificateFile, String privateKeyFile) {

    public static final String CA = "ca.pem";
    public static final String CERTIFICATE = "client.pem";
    public static final String PRIVATE_KEY = "client.key";
    /** Where {@code tandem bootstrap} puts them unless told otherwise. */
    public static final String DEFAULT_DIR = "/etc/tandem/xds-client";

    /** The three files under {@code dir}, with their standard names. */
    public static XdsClientTls in(Path dir) {
        return new XdsClientTls(
                dir.resolve(CA).toString(),
                dir.resolve(CERTIFICATE).toString(),
                dir.resolve(PRIVATE_KEY).toString());
    }

    /** The folder that holds the files, watched by Envoy so a renewed certificate is picked up. */
    public String directory() {
        Path parent = Path.of(certificateFile).getParent();
        return parent == null ? "." : parent.toString();
    }
}
