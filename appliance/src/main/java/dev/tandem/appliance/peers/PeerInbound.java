package dev.tandem.appliance.peers;

import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.PeerIdentity;
import dev.tandem.peers.Header;
import dev.tandem.peers.PeerMessage;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of {@code Exchange}: the stream a peer opened to this node, after
 * {@link PeerAuthenticator} bound it to the peer's identity. It accepts the stream with response
 * headers (the dialling peer's sign that it was let in), then delivers each frame in order. A frame
 * that does not decode is refused ({@code truncated}) and one that speaks for another cluster or
 * another sender than its certificate's ({@code not-a-peer}); either ends the stream and nothing of
 * it is delivered. The peer opens a new stream after its backoff.
 */
final class PeerInbound implements ServerCallHandler<byte[], byte[]> {

    /** Where the link learns which peers have a stream open to this node. */
    interface Streams {
        void opened(String peer);

        void closed(String peer);
    }

    private static final Logger LOG = LoggerFactory.getLogger(PeerInbound.class);

    private final String cluster;
    private final String self;
    private final Supplier<PeerTransport.Receiver> receiver;
    private final Streams streams;
    private final CertificateTrust.Refusals refusals;

    /** @param receiver null until the link is opened: streams before that are turned away (UNAVAILABLE) */
    PeerInbound(
            String cluster,
            String self,
            Supplier<PeerTransport.Receiver> receiver,
            Streams streams,
            CertificateTrust.Refusals refusals) {
        this.cluster = cluster;
        this.self = self;
        this.receiver = receiver;
        this.streams = streams;
        this.refusals = refusals;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
        PeerIdentity peer = PeerAuthenticator.PEER.get();
        PeerTransport.Receiver deliver = receiver.get();
        if (deliver == null) {
            call.close(
                    Status.UNAVAILABLE.withDescription("the peer link of '" + self + "' is not open yet"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        call.sendHeaders(new Metadata());
        streams.opened(peer.name());
        call.request(1);
        return new Stream(call, peer, deliver);
    }

    /** One peer's stream; gRPC calls a listener from one thread at a time, so frames arrive in order. */
    private final class Stream extends ServerCall.Listener<byte[]> {
        private final ServerCall<byte[], byte[]> call;
        private final PeerIdentity peer;
        private final PeerTransport.Receiver deliver;
        private boolean ended;
        private boolean open = true;

        Stream(ServerCall<byte[], byte[]> call, PeerIdentity peer, PeerTransport.Receiver deliver) {
            this.call = call;
            this.peer = peer;
            this.deliver = deliver;
        }

        @Override
        public void onMessage(byte[] frame) {
            if (ended) {
                return;
            }
            PeerMessage message;
            try {
                message = PeerWire.decode(frame);
            } catch (PeerWire.MalformedFrame e) {
                refuse(
                        Status.INVALID_ARGUMENT,
                        "truncated",
                        peer.uri() + " sent a frame refused whole: " + e.getMessage());
                return;
            }
            Header header = message.header();
            if (!cluster.equals(header.cluster())) {
                refuse(
                        Status.PERMISSION_DENIED,
                        "not-a-peer",
                        peer.uri() + " sent a " + message.getClass().getSimpleName() + " of cluster '"
                                + header.cluster() + "', not '" + cluster + "'");
                return;
            }
            if (!peer.name().equals(header.from())) {
                refuse(
                        Status.PERMISSION_DENIED,
                        "not-a-peer",
                        peer.uri() + " sent a " + message.getClass().getSimpleName() + " from '" + header.from()
                                + "'; a peer speaks only for the name its certificate carries");
                return;
            }
            deliver.received(peer.name(), message);
            call.request(1);
        }

        @Override
        public void onHalfClose() {
            if (!ended) {
                ended = true;
                call.close(Status.OK, new Metadata());
            }
        }

        @Override
        public void onCancel() {
            gone();
        }

        @Override
        public void onComplete() {
            gone();
        }

        private void refuse(Status status, String reason, String detail) {
            String where = detail + " (from " + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
                    + "); its stream is ended";
            refusals.refused(reason, where);
            LOG.debug("peer port: refused ({}): {}", reason, where);
            ended = true;
            call.close(status.withDescription(detail), new Metadata());
        }

        private void gone() {
            if (open) {
                open = false;
                streams.closed(peer.name());
            }
        }
    }
}
