package dev.tandem.appliance.testing;

import java.util.List;
import java.util.Optional;

/**
 * grpc-java's xDS client reads its bootstrap once per JVM, before the first {@code xds:} channel.
 * Every IT in the JVM that uses the client therefore points it at one xDS port, chosen here, and
 * starts its appliance on that port with the test CA ({@link TestPki}); the client connects over mTLS
 * with a certificate for its node group, as a joined data plane does.
 */
public final class XdsClientBootstrap {

    public static final String NODE_ID = "client-1";
    public static final String NODE_GROUP = "grpc-clients";
    /** Fixed before any appliance starts, for the whole JVM: from outside the ephemeral range (see {@link Ports}). */
    private static final int XDS_PORT = Ports.unbound();

    static {
        // The bootstrap `tandem bootstrap --format grpc` writes (gRFC A65 tls channel_creds); grpc-java
        // 1.85 reads its files through TandemTlsCredentialsProvider.
        TestPki.ClientCertificate certificate = TestPki.dataPlane(NODE_ID, NODE_GROUP);
        System.setProperty(
                "io.grpc.xds.bootstrapConfig",
                dev.tandem.xds.bootstrap.GrpcBootstrap.json(
                        NODE_ID,
                        NODE_GROUP,
                        "site-a",
                        "",
                        List.of(new dev.tandem.xds.bootstrap.XdsPeer("it", "127.0.0.1", XDS_PORT)),
                        Optional.of(certificate.files())));
    }

    private XdsClientBootstrap() {}

    /** The xDS port the client dials; installs the bootstrap on first use. */
    public static int xdsPort() {
        return XDS_PORT;
    }
}
