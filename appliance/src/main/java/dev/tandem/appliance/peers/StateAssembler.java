package dev.tandem.appliance.peers;

import dev.tandem.appliance.store.StateImage;
import dev.tandem.peers.Checksum;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.PeerMessage.StatePart;
import dev.tandem.peers.StateSummary;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The receiving half of a state transfer (ADR 0014 §3.7): collects one sender's parts, and once all
 * have arrived verifies the whole before anything is staged: the digest, the format, this node's
 * schema version, and that the entries follow one another from the sender's base to its snapshot
 * checksum. A sender's new transfer replaces its unfinished one; a part that contradicts the others
 * of its transfer fails it.
 */
final class StateAssembler {

    /** Parts are at most this large ({@link #split}); a transfer of more parts than {@link #MAX_PARTS} is refused. */
    static final int PART_BYTES = 1 << 20;

    static final int MAX_PARTS = 4096;

    /** A transfer's outcome: the verified image, or why it does not verify. */
    sealed interface Outcome {
        record Verified(StateImage image) implements Outcome {}

        record Failed(String reason) implements Outcome {}
    }

    private final Map<String, Pending> pending = new HashMap<>();
    private final String schemaVersion;

    StateAssembler(String schemaVersion) {
        this.schemaVersion = schemaVersion;
    }

    private static final class Pending {
        final StatePart first;
        final byte[][] parts;
        int received;

        Pending(StatePart first) {
            this.first = first;
            this.parts = new byte[first.parts()][];
        }
    }

    /** The bytes of an image as parts of at most {@link #PART_BYTES}. */
    static byte[][] split(byte[] bytes) {
        int count = Math.max(1, (bytes.length + PART_BYTES - 1) / PART_BYTES);
        byte[][] parts = new byte[count][];
        for (int i = 0; i < count; i++) {
            int from = i * PART_BYTES;
            parts[i] = Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + PART_BYTES));
        }
        return parts;
    }

    static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Adds a part from {@code from}; the outcome once its transfer is complete or broken, else empty. */
    synchronized Optional<Outcome> add(String from, StatePart part) {
        if (part.parts() < 1 || part.parts() > MAX_PARTS || part.seq() < 0 || part.seq() >= part.parts()) {
            pending.remove(from);
            return Optional.of(new Outcome.Failed("part " + part.seq() + " of " + part.parts()
                    + " is out of range (at most " + MAX_PARTS + " parts)"));
        }
        if (part.data() == null || part.digest() == null || part.summary() == null) {
            pending.remove(from);
            return Optional.of(new Outcome.Failed("part " + part.seq() + " lacks its data, digest or summary"));
        }
        Pending transfer = pending.get(from);
        if (transfer == null || transfer.first.transferId() != part.transferId()) {
            transfer = new Pending(part);
            pending.put(from, transfer);
        }
        StatePart first = transfer.first;
        if (first.parts() != part.parts()
                || !Arrays.equals(first.digest(), part.digest())
                || !first.summary().equals(part.summary())) {
            pending.remove(from);
            return Optional.of(new Outcome.Failed("part " + part.seq() + " of transfer " + part.transferId()
                    + " contradicts the transfer's first part"));
        }
        if (transfer.parts[part.seq()] == null) {
            transfer.parts[part.seq()] = part.data();
            transfer.received++;
        }
        if (transfer.received < transfer.parts.length) {
            return Optional.empty();
        }
        pending.remove(from);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        for (byte[] bytes : transfer.parts) {
            whole.writeBytes(bytes);
        }
        return Optional.of(verify(whole.toByteArray(), first.digest(), first.summary()));
    }

    private Outcome verify(byte[] bytes, byte[] digest, StateSummary summary) {
        if (!MessageDigest.isEqual(digest(bytes), digest)) {
            return new Outcome.Failed("the transfer's SHA-256 digest does not match its " + bytes.length + " bytes");
        }
        StateImage image;
        try {
            image = PeerWire.decodeState(bytes);
        } catch (PeerWire.MalformedFrame e) {
            return new Outcome.Failed(e.getMessage());
        }
        if (!image.format().equals(StateImage.FORMAT)) {
            return new Outcome.Failed("format " + image.format() + " is not " + StateImage.FORMAT);
        }
        if (!image.schemaVersion().equals(schemaVersion)) {
            return new Outcome.Failed("schema-mismatch: the sender's schema is version " + image.schemaVersion()
                    + ", this node's " + schemaVersion + " (upgrade both to the same Tandem version)");
        }
        Checksum prev = summary.base().checksum();
        long index = summary.base().index();
        for (LogEntry entry : image.tail()) {
            if (entry.index() != index + 1 || !entry.follows(prev)) {
                return new Outcome.Failed("entry " + entry.index() + " of the transfer does not follow the chain");
            }
            prev = entry.checksum();
            index = entry.index();
        }
        if (index != summary.snapshotIndex() || !prev.equals(summary.snapshotChecksum())) {
            return new Outcome.Failed("the transfer's entries end at " + index + ", not at the snapshot "
                    + summary.snapshotIndex() + " with its checksum");
        }
        return new Outcome.Verified(image);
    }
}
