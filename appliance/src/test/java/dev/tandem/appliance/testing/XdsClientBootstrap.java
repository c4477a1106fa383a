package dev.tandem.appliance.testing;

/**
 * grpc-java's xDS client reads its bootstrap once per JVM, before the first {@code xds:} channel.
 * Every IT in the JVM that uses the client therefore points it at one xDS port, chosen here, and
 * starts its appliance on that port.
 */
public final class XdsClientBootstrap {

    public static final String NODE_ID = "client-1";
    public static final String NODE_GROUP = "grpc-clients";
    private static final int XDS_PORT = Ports.free();

    static {
        System.setProperty("io.grpc.xds.bootstrapConfig", """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"]}],
                 "node": {"id": "%s", "cluster": "%s", "locality": {"region": "site-a"}}}
                """.formatted(XDS_PORT, NODE_ID, NODE_GROUP));
    }

    private XdsClientBootstrap() {
    }

    /** The xDS port the client dials; installs the bootstrap on first use. */
    public static int xdsPort() {
        return XDS_PORT;
    }
}
