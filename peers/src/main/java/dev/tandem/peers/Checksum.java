package dev.tandem.peers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A link of the log's hash chain (ADR 0014 §3.1): equal {@code (index, checksum)} on two nodes means
 * equal history up to that index, which is how divergence, a resumed stream and a state transfer's
 * position are checked without reading any table.
 */
public final class Checksum {
    private static final int LENGTH = 32;

    private final byte[] bytes;

    private Checksum(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Checksum of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a checksum has " + LENGTH + " bytes, not " + bytes.length);
        }
        return new Checksum(bytes.clone());
    }

    public static Checksum parse(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    /** What index 1 links to: the cluster's name, so two clusters' logs never share a chain. */
    public static Checksum genesis(String cluster) {
        MessageDigest digest = sha256();
        digest.update(("tandem-log/v1\n" + cluster).getBytes(StandardCharsets.UTF_8));
        return new Checksum(digest.digest());
    }

    /**
     * {@code SHA-256(prev ‖ be64(epoch) ‖ be64(index) ‖ utf8(kind) ‖ 0x00 ‖ be64(revision) ‖
     * payload)}: the revision number is part of the chain because the machine numbers revisions and
     * orders what it publishes by them without reading payloads.
     */
    public static Checksum next(Checksum prev, long epoch, long index, String kind, long revision, byte[] payload) {
        MessageDigest digest = sha256();
        digest.update(prev.bytes);
        digest.update(ByteBuffer.allocate(16).putLong(epoch).putLong(index).array());
        digest.update(kind.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(ByteBuffer.allocate(8).putLong(revision).array());
        digest.update(payload);
        return new Checksum(digest.digest());
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Checksum that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex().substring(0, 12);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
