package dev.tandem.appliance.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC backend on 127.0.0.1 that answers {@code tandem.test.Site/Name} with its site name,
 * so a test sees which priority of a failover scheme served each call. No generated stubs: the
 * method uses a UTF-8 string marshaller.
 */
public final class SiteBackend implements AutoCloseable {

    public static final MethodDescriptor<String, String> NAME = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("tandem.test.Site/Name")
            .setRequestMarshaller(Utf8.INSTANCE)
            .setResponseMarshaller(Utf8.INSTANCE)
            .build();

    private final String site;
    private final int port;
    private Server server;

    public SiteBackend(String site, int port) {
        this.site = site;
        this.port = port;
    }

    public SiteBackend start() {
        ServerServiceDefinition service = ServerServiceDefinition.builder("tandem.test.Site")
                .addMethod(NAME, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(site);
                    response.onCompleted();
                }))
                .build();
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                    .addService(service)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start backend " + site + " on port " + port, e);
        }
        return this;
    }

    /** The port it listens on (the one it was given, or the one it bound for port 0). */
    public int port() {
        return server != null ? server.getPort() : port;
    }

    /** Stops at once, as a crashed site would. */
    public void stop() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** One call through {@code channel}; returns the site that answered. */
    public static String callSite(Channel channel, long timeoutMillis) {
        return ClientCalls.blockingUnaryCall(
                channel, NAME, CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS), "who");
    }

    private enum Utf8 implements MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
