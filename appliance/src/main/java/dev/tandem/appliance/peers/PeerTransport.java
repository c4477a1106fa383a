package dev.tandem.appliance.peers;

import dev.tandem.peers.PeerMessage;

/**
 * How a node's messages reach its peers: the gRPC peer link in production ({@link GrpcPeerLink}), an
 * in-memory link in tests. Sends never block the machine thread; a message to a peer whose link is
 * down is dropped (the protocol retries by its own timers).
 */
public interface PeerTransport extends AutoCloseable {
    /** A transport for a node without peers: nothing to send to. */
    PeerTransport NONE = new PeerTransport() {
        @Override
        public void open(Receiver receiver) {}

        @Override
        public void send(String to, PeerMessage message) {
            throw new IllegalStateException(
                    "a node without peers sent " + message.getClass().getSimpleName() + " to " + to);
        }

        @Override
        public void close() {}
    };

    /** What the transport hands to its node: a message from a peer, or a change of a link. */
    interface Receiver {
        void received(String from, PeerMessage message);

        void linkChanged(String peer, boolean up);
    }

    /** Starts delivering to {@code receiver}; links that are up are reported at once. */
    void open(Receiver receiver);

    void send(String to, PeerMessage message);

    @Override
    void close();
}
