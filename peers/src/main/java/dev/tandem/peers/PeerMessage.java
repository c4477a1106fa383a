package dev.tandem.peers;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The messages of the peer link (ADR 0014 §4.4). Each carries the sender's epoch: a lower one is refused. */
public sealed interface PeerMessage {
    /** The protocol this version speaks; a peer that speaks another is refused. */
    int PROTOCOL = 2;

    Header header();

    /** A standby opens the replication stream from its position. */
    record Subscribe(
            Header header, long lastIndex, long lastEntryEpoch, Checksum lastChecksum, long commitIndex, int protocol)
            implements PeerMessage {}

    /** Entries after {@code prevIndex}, and what the active has committed and holds. */
    record Entries(
            Header header,
            long prevIndex,
            Checksum prevChecksum,
            List<LogEntry> entries,
            long commitIndex,
            long activeLastIndex)
            implements PeerMessage {
        public Entries {
            entries = List.copyOf(entries);
        }
    }

    /**
     * The active's periodic word to every other member. {@code streamedThrough} is the last index it
     * sent to this recipient on its stream, or {@link #NOT_STREAMING} when it streams nothing to it: the
     * link drops a message to a member it cannot write to without breaking the connection, so a
     * standby that holds less than was streamed to it, or streams from an active that no longer
     * streams to it, knows to subscribe again (ADR 0014 §3.4).
     */
    record Heartbeat(
            Header header,
            long commitIndex,
            long activeLastIndex,
            boolean mayCommit,
            String syncStandby,
            long streamedThrough)
            implements PeerMessage {
        public static final long NOT_STREAMING = -1;
    }

    record Ack(Header header, long lastIndex, Checksum lastChecksum, boolean serving) implements PeerMessage {}

    /** The subscriber's position is not in the active's log: look again at or below {@code endIndex}. */
    record Diverging(Header header, long endIndex, long commitIndex) implements PeerMessage {}

    /** The subscriber's position is compacted away on the active: take a state transfer. */
    record NeedState(Header header, long firstIndex, long commitIndex) implements PeerMessage {}

    record StateRequest(Header header) implements PeerMessage {}

    /**
     * A standby tells the active what it moved aside when it rejoined (§3.8), so that the active's
     * audit log, which is replicated, records it. The driver sends and handles it, never the machine;
     * it is sent again until the entries are cleared, and the active records each entry once.
     */
    record DivergedReport(Header header, List<DivergedNote> entries) implements PeerMessage {
        public DivergedReport {
            entries = List.copyOf(entries);
        }
    }

    /** One entry moved aside: its position, its kind, the revision it would have stored (0 for none), the epoch that replaced it. */
    record DivergedNote(long epoch, long index, String kind, long revision, long replacedByEpoch) {}

    /**
     * One of {@code parts} parts of a state transfer (§3.7): the active's replicated tables and the
     * entries it retains after its base, as bytes only the driver reads. Every part carries the
     * summary and the SHA-256 digest of the whole; the driver assembles and verifies them and hands
     * the machine {@link Input.StateStaged} or {@link Input.StateFailed}, never the parts.
     */
    record StatePart(
            Header header, long transferId, int seq, int parts, StateSummary summary, byte[] digest, byte[] data)
            implements PeerMessage {
        @Override
        public boolean equals(Object other) {
            return other instanceof StatePart that
                    && header.equals(that.header)
                    && transferId == that.transferId
                    && seq == that.seq
                    && parts == that.parts
                    && Objects.equals(summary, that.summary)
                    && Arrays.equals(digest, that.digest)
                    && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(
                    header, transferId, seq, parts, summary, Arrays.hashCode(digest), Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "StatePart[" + header + ", transfer " + transferId + ", part " + seq + " of " + parts + ", "
                    + (data == null ? 0 : data.length) + " bytes]";
        }
    }

    /** A refusal with its reason (ADR 0014 §4.5); {@code knownActive} lets a node with a lower epoch follow. */
    record Refused(Header header, String reason, String detail, String knownActive, long knownEpoch)
            implements PeerMessage {}

    /** Without a lease store: the old active asks the target whether it holds everything. */
    record HandoverOffer(Header header, long lastIndex, Checksum lastChecksum) implements PeerMessage {}

    record HandoverReady(Header header, long lastIndex, Checksum lastChecksum, boolean ready) implements PeerMessage {}

    /** The old active hands {@code newEpoch} to {@code newActive}. */
    record Handover(
            Header header,
            long newEpoch,
            String newActive,
            long lastIndex,
            Checksum lastChecksum,
            String leaseEtag,
            String requestedBy)
            implements PeerMessage {}

    record HandoverAck(Header header, long newEpoch) implements PeerMessage {}

    /** S3 is unreachable: the active asks every member to confirm it has not taken the lease (Patroni's failsafe). */
    record FailsafeProbe(Header header, long round) implements PeerMessage {}

    record FailsafeAnswer(Header header, long round, boolean taken) implements PeerMessage {}

    /** Before a takeover with three or more members: does any other standby still hear the active? */
    record HeardQuery(Header header) implements PeerMessage {}

    /** @param heardAgoNanos since the last message from the active that said it may commit, −1 if never */
    record HeardAnswer(Header header, long heardAgoNanos, long lastIndex, long lastEntryEpoch) implements PeerMessage {}

    record StatusQuery(Header header) implements PeerMessage {}

    record StatusAnswer(
            Header header, String state, String epochActive, long lastIndex, Checksum lastChecksum, long commitIndex)
            implements PeerMessage {}
}
