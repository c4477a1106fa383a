package dev.tandem.appliance.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.peers.Checksum;
import dev.tandem.peers.Header;
import dev.tandem.peers.LogBase;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.PeerMessage;
import dev.tandem.peers.PeerMessage.Ack;
import dev.tandem.peers.PeerMessage.DivergedNote;
import dev.tandem.peers.PeerMessage.DivergedReport;
import dev.tandem.peers.PeerMessage.Diverging;
import dev.tandem.peers.PeerMessage.Entries;
import dev.tandem.peers.PeerMessage.FailsafeAnswer;
import dev.tandem.peers.PeerMessage.FailsafeProbe;
import dev.tandem.peers.PeerMessage.Handover;
import dev.tandem.peers.PeerMessage.HandoverAck;
import dev.tandem.peers.PeerMessage.HandoverOffer;
import dev.tandem.peers.PeerMessage.HandoverReady;
import dev.tandem.peers.PeerMessage.HeardAnswer;
import dev.tandem.peers.PeerMessage.HeardQuery;
import dev.tandem.peers.PeerMessage.Heartbeat;
import dev.tandem.peers.PeerMessage.NeedState;
import dev.tandem.peers.PeerMessage.Refused;
import dev.tandem.peers.PeerMessage.StatePart;
import dev.tandem.peers.PeerMessage.StateRequest;
import dev.tandem.peers.PeerMessage.StatusAnswer;
import dev.tandem.peers.PeerMessage.StatusQuery;
import dev.tandem.peers.PeerMessage.Subscribe;
import dev.tandem.peers.StateSummary;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every peer message survives the wire as it was sent; a broken frame is refused whole. */
class PeerWireTest {
    private static final Header HEADER = new Header("edge", 7, "tandem-1", 1_764_655_200_000L);
    private static final Checksum C = Checksum.genesis("edge");

    @Test
    void everyMessageTypeRoundTrips() throws Exception {
        LogEntry entry = LogEntry.create(C, 7, 1, "revision", 3, "{\"changes\":[]}".getBytes(StandardCharsets.UTF_8));
        List<PeerMessage> messages = List.of(
                new Subscribe(HEADER, 41, 6, C, 40, PeerMessage.PROTOCOL),
                new Entries(HEADER, 0, C, List.of(entry), 1, 1),
                new Heartbeat(HEADER, 40, 41, true, null, 39),
                new Ack(HEADER, 41, C, true),
                new Diverging(HEADER, 12, 40),
                new NeedState(HEADER, 100, 140),
                new StateRequest(HEADER),
                new StatePart(
                        HEADER,
                        7,
                        0,
                        1,
                        new StateSummary(LogBase.empty("tandem"), 1, 1, C, 1),
                        new byte[32],
                        new byte[] {1, 2, 3}),
                new DivergedReport(HEADER, List.of(new DivergedNote(1, 9, "revision", 5, 1001))),
                new Refused(HEADER, "lower-epoch", "epoch 6 is below 7", "tandem-1", 7),
                new HandoverOffer(HEADER, 41, C),
                new HandoverReady(HEADER, 41, C, true),
                new Handover(HEADER, 8, "tandem-2", 41, C, "\"v9\"", "ops"),
                new HandoverAck(HEADER, 8),
                new FailsafeProbe(HEADER, 3),
                new FailsafeAnswer(HEADER, 3, false),
                new HeardQuery(HEADER),
                new HeardAnswer(HEADER, -1, 41, 6),
                new StatusQuery(HEADER),
                new StatusAnswer(HEADER, "FOLLOWING", "tandem-1", 41, C, 40));
        Set<String> covered =
                messages.stream().map(m -> m.getClass().getSimpleName()).collect(Collectors.toSet());
        assertThat(covered)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(PeerMessage.class.getPermittedSubclasses())
                        .map(Class::getSimpleName)
                        .toList());
        for (PeerMessage message : messages) {
            assertThat(PeerWire.decode(PeerWire.encode(message))).isEqualTo(message);
        }
        Entries back = (Entries) PeerWire.decode(PeerWire.encode(messages.get(1)));
        assertThat(back.entries().get(0).follows(C)).isTrue();
    }

    @Test
    void aTruncatedOrIncompleteFrameIsRefused() {
        byte[] frame = PeerWire.encode(new Ack(HEADER, 41, C, true));
        assertThatThrownBy(() -> PeerWire.decode(Arrays.copyOf(frame, frame.length - 5)))
                .isInstanceOf(PeerWire.MalformedFrame.class);
        byte[] noHeader = PeerWire.encode(new Ack(null, 41, C, true));
        assertThatThrownBy(() -> PeerWire.decode(noHeader)).isInstanceOf(PeerWire.MalformedFrame.class);
        assertThatThrownBy(() -> PeerWire.decode("not cbor at all".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PeerWire.MalformedFrame.class);
    }
}
