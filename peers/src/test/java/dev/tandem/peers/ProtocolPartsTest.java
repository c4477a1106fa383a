package dev.tandem.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The pure parts under the machine: the hash chain, the control payloads, the timing rules and the log index. */
class ProtocolPartsTest {

    @Test
    void theChainTiesEveryEntryToAllBeforeItAndToItsCluster() {
        SplittableRandom random = new SplittableRandom(16);
        for (int run = 0; run < 200; run++) {
            Checksum prev = Checksum.genesis("edge");
            List<LogEntry> entries = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                byte[] payload = new byte[random.nextInt(40)];
                random.nextBytes(payload);
                LogEntry entry = LogEntry.create(
                        prev, 1 + i / 7, i, i % 3 == 0 ? EntryKinds.REVISION : "token", i % 3 == 0 ? i : 0, payload);
                assertThat(entry.follows(prev)).isTrue();
                entries.add(entry);
                prev = entry.checksum();
            }
            int changed = random.nextInt(entries.size());
            LogEntry original = entries.get(changed);
            byte[] payload = original.payload().clone();
            payload = payload.length == 0 ? new byte[] {1} : flip(payload, random.nextInt(payload.length));
            Checksum before = changed == 0
                    ? Checksum.genesis("edge")
                    : entries.get(changed - 1).checksum();
            LogEntry forged = LogEntry.create(
                    before, original.epoch(), original.index(), original.kind(), original.revision(), payload);
            assertThat(forged.checksum()).isNotEqualTo(original.checksum());
            assertThat(new LogEntry(
                                    original.epoch(),
                                    original.index(),
                                    original.kind(),
                                    original.revision(),
                                    payload,
                                    original.checksum())
                            .follows(before))
                    .isFalse();
        }
        assertThat(Checksum.genesis("edge")).isNotEqualTo(Checksum.genesis("edge-2"));
        assertThat(Checksum.parse(Checksum.genesis("edge").hex())).isEqualTo(Checksum.genesis("edge"));
    }

    @Test
    void controlPayloadsAreCanonicalAndReadBack() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("reason", "switch \"planned\"\n\\ by ops");
        fields.put("active", "tandem-2");
        fields.put("epoch", 7L);
        fields.put("lossAccepted", false);
        fields.put("previous", null);
        byte[] written = ControlPayload.write(fields);
        assertThat(new String(written, StandardCharsets.UTF_8))
                .isEqualTo("{\"active\":\"tandem-2\",\"epoch\":7,\"lossAccepted\":false,\"previous\":null,"
                        + "\"reason\":\"switch \\\"planned\\\"\\n\\\\ by ops\"}");
        assertThat(ControlPayload.read(written)).isEqualTo(new TreeMap<>(fields));
        assertThatThrownBy(() -> ControlPayload.read("{\"a\":1,}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("control payload at character");
        assertThatThrownBy(() -> ControlPayload.read("{\"a\":tru}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("a string, a whole number, true, false or null expected");
    }

    @Test
    void theDefaultTimingHoldsAndEachBrokenRelationIsNamed() {
        assertThat(Timing.defaults().problems()).isEmpty();
        Timing d = Timing.defaults();
        Timing slowRenewal = with(d, 4, Duration.ofSeconds(5));
        assertThat(slowRenewal.problems()).singleElement().asString().contains("peering.lease.renewInterval");
        Timing shortAfter = with(d, 6, Duration.ofSeconds(9));
        assertThat(shortAfter.problems()).anyMatch(problem -> problem.contains("failover.after (9s)"));
        Timing thinMargin = with(d, 2, Duration.ofMillis(500));
        assertThat(thinMargin.problems()).anyMatch(problem -> problem.contains("safetyMargin must be at least 1s"));
    }

    @Test
    void theIdentityIsTheNewestRevisionStampedByTheNewestEpoch() {
        LogIndex log = new LogIndex(LogBase.empty("edge"), List.of());
        Checksum prev = Checksum.genesis("edge");
        prev = add(log, prev, 1, EntryKinds.EPOCH_START, 0);
        prev = add(log, prev, 1, EntryKinds.REVISION, 1);
        prev = add(log, prev, 1, "token", 0);
        assertThat(log.identityAt(3)).isEqualTo(new ServedId(1, 1, 3));
        prev = add(log, prev, 2, EntryKinds.EPOCH_START, 2);
        assertThat(log.identityAt(4)).isEqualTo(new ServedId(2, 1, 4));
        assertThat(log.maxRevision())
                .as("an epoch-start after a failover reserves one number")
                .isEqualTo(2);
        prev = add(log, prev, 2, EntryKinds.REVISION, 3);
        assertThat(log.revisionAbove(4)).isTrue();
        assertThat(log.revisionAbove(5)).isFalse();

        log.compactTo(4);
        assertThat(log.base().identity()).isEqualTo(new ServedId(2, 1, 4));
        assertThat(log.base().maxRevision()).isEqualTo(2);
        assertThat(log.base().epochs()).containsExactly(new EpochSpan(1, 1), new EpochSpan(2, 4));
        assertThat(log.epochOfAny(2)).isEqualTo(1);
        assertThat(log.identityAt(5)).isEqualTo(new ServedId(2, 3, 5));
        assertThat(log.checksumAt(5)).isEqualTo(prev);
    }

    private static Checksum add(LogIndex log, Checksum prev, long epoch, String kind, long revision) {
        LogEntry entry = LogEntry.create(prev, epoch, log.lastIndex() + 1, kind, revision, new byte[0]);
        log.append(entry.meta());
        return entry.checksum();
    }

    private static byte[] flip(byte[] bytes, int at) {
        bytes[at] ^= 0x40;
        return bytes;
    }

    /** The defaults with one field replaced: 2 safetyMargin, 4 renewInterval, 6 failoverAfter. */
    private static Timing with(Timing t, int field, Duration value) {
        long v = value.toNanos();
        return new Timing(
                t.ttl(),
                field == 2 ? v : t.safetyMargin(),
                field == 4 ? v : t.renewInterval(),
                t.s3AttemptTimeout(),
                t.s3Attempts(),
                field == 6 ? v : t.failoverAfter(),
                t.leasePoll(),
                t.driftPpm(),
                t.syncTimeout(),
                t.writeWait(),
                t.switchTimeout(),
                t.heartbeat(),
                t.ackInterval(),
                t.callTimeout(),
                t.maxServeLag(),
                t.retainEntries());
    }
}
