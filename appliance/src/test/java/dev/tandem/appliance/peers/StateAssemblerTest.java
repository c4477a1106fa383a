package dev.tandem.appliance.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.store.ReplicatedTables.TableRows;
import dev.tandem.appliance.store.StateImage;
import dev.tandem.peers.Checksum;
import dev.tandem.peers.Header;
import dev.tandem.peers.LogBase;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.PeerMessage.StatePart;
import dev.tandem.peers.StateSummary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A state transfer is verified whole before anything is staged: every refusal names what is wrong. */
class StateAssemblerTest {

    private static final Header HEADER = new Header("tandem", 2, "tandem-2", 0);
    private static final LogBase BASE = LogBase.empty("tandem");

    @Test
    void partsInAnyOrderAssembleToTheImageTheySplit() {
        StateImage image = image("11", 3, 1000);
        byte[] bytes = PeerWire.encodeState(image);
        assertThat(bytes.length).isGreaterThan(StateAssembler.PART_BYTES);
        List<StatePart> parts = parts(image, bytes, StateAssembler.digest(bytes));
        assertThat(parts).hasSizeGreaterThan(1);
        StateAssembler assembler = new StateAssembler("11");
        List<StatePart> reversed = new ArrayList<>(parts);
        Collections.reverse(reversed);
        Optional<StateAssembler.Outcome> outcome = Optional.empty();
        for (StatePart part : reversed) {
            assertThat(outcome).isEmpty();
            outcome = assembler.add("tandem-2", part);
        }
        assertThat(outcome).containsInstanceOf(StateAssembler.Outcome.Verified.class);
        StateImage got = ((StateAssembler.Outcome.Verified) outcome.orElseThrow()).image();
        assertThat(got.tail()).isEqualTo(image.tail());
        assertThat(got.rows()).isEqualTo(image.rows());
        assertThat(got.tables().get(0).rows().get(0))
                .containsEntry("text", image.tables().get(0).rows().get(0).get("text"));
    }

    @Test
    void aDigestThatDoesNotMatchIsRefused() {
        StateImage image = image("11", 2, 1);
        byte[] bytes = PeerWire.encodeState(image);
        byte[] wrong = StateAssembler.digest(bytes);
        wrong[0] ^= 1;
        assertThat(failure(new StateAssembler("11"), parts(image, bytes, wrong)))
                .contains("SHA-256 digest does not match");
    }

    @Test
    void anotherSchemaVersionIsRefused() {
        StateImage image = image("10", 2, 1);
        byte[] bytes = PeerWire.encodeState(image);
        assertThat(failure(new StateAssembler("11"), parts(image, bytes, StateAssembler.digest(bytes))))
                .contains("schema-mismatch")
                .contains("version 10");
    }

    @Test
    void entriesThatDoNotFollowTheChainAreRefused() {
        StateImage good = image("11", 3, 1);
        List<LogEntry> tail = new ArrayList<>(good.tail());
        LogEntry second = tail.get(1);
        byte[] payload = second.payload().clone();
        payload[0] ^= 1;
        tail.set(
                1,
                new LogEntry(
                        second.epoch(), second.index(), second.kind(), second.revision(), payload, second.checksum()));
        StateImage broken = new StateImage(good.format(), good.schemaVersion(), good.tables(), tail);
        byte[] bytes = PeerWire.encodeState(broken);
        assertThat(failure(new StateAssembler("11"), parts(good, bytes, StateAssembler.digest(bytes))))
                .contains("entry 2 of the transfer does not follow the chain");
    }

    @Test
    void bytesThatAreNotAnImageAreRefused() {
        StateImage image = image("11", 1, 1);
        byte[] bytes = "not cbor at all".getBytes(StandardCharsets.UTF_8);
        assertThat(failure(new StateAssembler("11"), parts(image, bytes, StateAssembler.digest(bytes))))
                .contains("does not parse");
    }

    @Test
    void aPartThatContradictsItsTransferOrIsOutOfRangeFailsIt() {
        StateImage image = image("11", 3, 1000);
        byte[] bytes = PeerWire.encodeState(image);
        List<StatePart> parts = parts(image, bytes, StateAssembler.digest(bytes));
        StateAssembler assembler = new StateAssembler("11");
        assertThat(assembler.add("tandem-2", parts.get(0))).isEmpty();
        StatePart second = parts.get(1);
        StatePart contradicting = new StatePart(
                second.header(),
                second.transferId(),
                second.seq(),
                second.parts() + 1,
                second.summary(),
                second.digest(),
                second.data());
        assertThat(assembler.add("tandem-2", contradicting)).containsInstanceOf(StateAssembler.Outcome.Failed.class);
        StatePart outOfRange =
                new StatePart(second.header(), 9, 5, 2, second.summary(), second.digest(), second.data());
        assertThat(((StateAssembler.Outcome.Failed)
                                assembler.add("tandem-2", outOfRange).orElseThrow())
                        .reason())
                .contains("out of range");
    }

    /** {@code entries} entries after an empty base, and one table of {@code rows} rows of 2 KiB text. */
    private static StateImage image(String schema, int entries, int rows) {
        List<LogEntry> tail = new ArrayList<>();
        Checksum prev = BASE.checksum();
        for (int i = 1; i <= entries; i++) {
            LogEntry entry =
                    LogEntry.create(prev, 2, i, "revision", i, ("payload " + i).getBytes(StandardCharsets.UTF_8));
            tail.add(entry);
            prev = entry.checksum();
        }
        List<Map<String, Object>> table = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            table.add(Map.of("id", i, "text", "x".repeat(2048) + i));
        }
        return new StateImage(StateImage.FORMAT, schema, List.of(new TableRows("audit", table)), tail);
    }

    private static List<StatePart> parts(StateImage image, byte[] bytes, byte[] digest) {
        LogEntry last = image.tail().get(image.tail().size() - 1);
        StateSummary summary = new StateSummary(BASE, last.index(), last.epoch(), last.checksum(), last.index());
        byte[][] split = StateAssembler.split(bytes);
        List<StatePart> parts = new ArrayList<>();
        for (int i = 0; i < split.length; i++) {
            parts.add(new StatePart(HEADER, 7, i, split.length, summary, digest, split[i]));
        }
        return parts;
    }

    private static String failure(StateAssembler assembler, List<StatePart> parts) {
        Optional<StateAssembler.Outcome> outcome = Optional.empty();
        for (StatePart part : parts) {
            outcome = assembler.add("tandem-2", part);
        }
        assertThat(outcome).containsInstanceOf(StateAssembler.Outcome.Failed.class);
        return ((StateAssembler.Outcome.Failed) outcome.orElseThrow()).reason();
    }
}
