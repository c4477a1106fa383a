package dev.tandem.appliance.testing;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.xds.XdsCredentialsProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The {@code tls} channel credentials of an xDS bootstrap as gRFC A65 defines them: the CA to trust and
 * the client certificate and key, from files. grpc-java 1.85's own {@code tls} provider ignores this
 * config (it trusts the JVM's CAs and presents no certificate); this one, registered in
 * {@code META-INF/services/io.grpc.xds.XdsCredentialsProvider} with a higher priority, takes its place.
 * A proxyless Java data plane of a Tandem cluster needs these lines until its grpc-java reads the files
 * itself (README, "Proxyless gRPC clients").
 */
public final class TandemTlsCredentialsProvider extends XdsCredentialsProvider {

    @Override
    protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
        if (config == null || !(config.get("ca_certificate_file") instanceof String ca)) {
            return TlsChannelCredentials.create();
        }
        try {
            TlsChannelCredentials.Builder builder =
                    TlsChannelCredentials.newBuilder().trustManager(new File(ca));
            if (config.get("certificate_file") instanceof String cert
                    && config.get("private_key_file") instanceof String key) {
                builder.keyManager(new File(cert), new File(key));
            }
            return builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the xDS client certificate files: " + e.getMessage(), e);
        }
    }

    @Override
    protected String getName() {
        return "tls";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public int priority() {
        return 10;
    }
}
