package dev.tandem.appliance.peers;

import dev.tandem.peers.PeerMessage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Peer links in one process, for tests of real nodes on real databases: each message is encoded and decoded as on the wire. */
final class MemoryLinks {
    private final Map<String, PeerTransport.Receiver> receivers = new ConcurrentHashMap<>();

    PeerTransport of(String self) {
        return new PeerTransport() {
            @Override
            public void open(Receiver receiver) {
                receivers.put(self, receiver);
                receivers.forEach((name, other) -> {
                    if (!name.equals(self)) {
                        other.linkChanged(self, true);
                        receiver.linkChanged(name, true);
                    }
                });
            }

            @Override
            public void send(String to, PeerMessage message) {
                Receiver receiver = receivers.get(to);
                if (receiver != null) {
                    try {
                        receiver.received(self, PeerWire.decode(PeerWire.encode(message)));
                    } catch (PeerWire.MalformedFrame e) {
                        throw new IllegalStateException(e);
                    }
                }
            }

            @Override
            public void close() {
                receivers.remove(self);
                receivers.forEach((name, other) -> other.linkChanged(self, false));
            }
        };
    }
}
