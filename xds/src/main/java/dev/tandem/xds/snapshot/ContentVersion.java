package dev.tandem.xds.snapshot;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The version of one resource type: a hash of the resources' deterministic serialization. Two
 * processes holding the same resources get the same string, and an unchanged type keeps its version,
 * so a data plane that reconnects (to this node or its peer) presents a version that is still current.
 */
public final class ContentVersion {

    /** 16 bytes of SHA-256, hex: plenty against collisions, short enough for logs and status. */
    private static final int BYTES = 16;

    private ContentVersion() {}

    /** @param resources sorted by name (the caller's order is hashed, so it must be canonical) */
    public static String of(List<? extends Message> resources) {
        MessageDigest sha = sha256();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        for (Message resource : resources) {
            buffer.reset();
            try {
                CodedOutputStream out = CodedOutputStream.newInstance(buffer);
                // Map fields are otherwise written in hash order.
                out.useDeterministicSerialization();
                resource.writeTo(out);
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException("serializing to memory cannot fail", e);
            }
            byte[] bytes = buffer.toByteArray();
            sha.update(resource.getDescriptorForType().getFullName().getBytes(StandardCharsets.UTF_8));
            sha.update(lengthPrefix(bytes.length));
            sha.update(bytes);
        }
        byte[] digest = sha.digest();
        return HexFormat.of().formatHex(digest, 0, BYTES);
    }

    /**
     * The version of one resource, for Delta answers and per-resource state-of-the-world pushes: a hash
     * of its deterministic serialization, so peers agree on it (java-control-plane's default is derived
     * from the message's {@code hashCode}, which differs between processes and is only 32 bits wide).
     */
    public static String ofResource(Message resource) {
        return of(List.of(resource));
    }

    private static byte[] lengthPrefix(int length) {
        return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
