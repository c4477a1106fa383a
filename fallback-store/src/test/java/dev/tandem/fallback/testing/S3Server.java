package dev.tandem.fallback.testing;

import dev.tandem.fallback.S3Credentials;
import dev.tandem.fallback.S3Location;
import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3 server for tests: s3proxy in this JVM on a free loopback port, in memory, with SigV4
 * authentication and one bucket. It can be stopped and started again on the same port with the same
 * objects, as an S3 outage.
 */
public final class S3Server implements AutoCloseable {

    public static final S3Credentials CREDENTIALS = new S3Credentials("tandem-test", "tandem-test-secret");
    public static final String BUCKET = "tandem-exports";

    private final BlobStore blobs;
    private S3Proxy proxy;
    private int port;

    private S3Server() {
        this.blobs = BlobStores.create("transient", new Properties());
        blobs.createContainer(BUCKET);
    }

    public static S3Server start() throws Exception {
        S3Server server = new S3Server();
        server.startOn(0);
        return server;
    }

    private void startOn(int wanted) throws Exception {
        proxy = S3Proxy.builder()
                .blobStore(blobs)
                .endpoint(URI.create("http://127.0.0.1:" + wanted))
                .awsAuthentication(AuthenticationType.AWS_V4, CREDENTIALS.accessKey(), CREDENTIALS.secretKey())
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        port = proxy.getPort();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public S3Location location(String prefix) {
        return new S3Location(endpoint(), BUCKET, prefix, "us-east-1");
    }

    /** An outage: the port refuses connections until {@link #resume()}. */
    public void pause() throws Exception {
        proxy.stop();
    }

    public void resume() throws Exception {
        startOn(port);
    }

    @Override
    public void close() throws Exception {
        if (proxy != null && !"STOPPED".equals(proxy.getState())) {
            proxy.stop();
        }
    }
}
