package dev.tandem.appliance.peers;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The one method of the peer link (ADR 0014 §4.1): {@code tandem.peers.v1.Peers/Exchange}, a
 * bidirectional stream of {@link PeerWire} frames, built by hand so that the build needs no protoc.
 * Each node sends on the stream it opened to a peer and only reads the streams peers opened to it:
 * the server never answers on a stream, it only accepts it (response headers) or ends it.
 */
final class PeerExchange {

    static final String SERVICE = "tandem.peers.v1.Peers";

    /** Entries can carry a large revision; a state transfer chunks below this. */
    static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;

    /** Frames pass as they are: {@link PeerWire} encodes and decodes them, so a broken one is refused, not lost. */
    static final MethodDescriptor.Marshaller<byte[]> FRAMES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] frame) {
            return new ByteArrayInputStream(frame);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw Status.INTERNAL
                        .withDescription("cannot read a peer frame: " + e.getMessage())
                        .withCause(e)
                        .asRuntimeException();
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> EXCHANGE = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Exchange"))
            .setRequestMarshaller(FRAMES)
            .setResponseMarshaller(FRAMES)
            .build();

    private PeerExchange() {}

    static ServerServiceDefinition service(ServerCallHandler<byte[], byte[]> exchange) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(EXCHANGE, exchange)
                .build();
    }
}
