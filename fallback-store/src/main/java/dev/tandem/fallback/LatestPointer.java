package dev.tandem.fallback;

import java.security.KeyPair;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code <group>/latest}: which bundle is the newest, signed like the bundles (a forged pointer cannot
 * send a data plane to an old revision), with the bundle's SHA-256.
 */
public record LatestPointer(String nodeGroup, long revision, long epoch, String bundleKey, String bundleSha256) {

    public static final String FORMAT = "tandem-latest/v1";

    public static String key(String nodeGroup) {
        return nodeGroup + "/latest";
    }

    /** Newer means a higher epoch, or the same epoch and a higher revision. */
    public boolean isNewerThan(LatestPointer other) {
        return epoch != other.epoch ? epoch > other.epoch : revision > other.revision;
    }

    byte[] seal(KeyPair signingKey) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("nodeGroup", nodeGroup);
        header.put("revision", revision);
        header.put("epoch", epoch);
        header.put("bundle", bundleKey);
        header.put("bundleSha256", bundleSha256);
        header.put("keyId", SigningKeys.keyId(signingKey.getPublic()));
        return SignedDocument.write(FORMAT, header, new byte[0], signingKey.getPrivate());
    }

    static LatestPointer open(byte[] bytes, PublicKey trusted, String expectedGroup, String what)
            throws BundleRejected {
        Map<String, Object> header =
                SignedDocument.read(bytes, FORMAT, trusted, what).header();
        try {
            LatestPointer pointer = new LatestPointer(
                    String.valueOf(header.get("nodeGroup")),
                    ((Number) header.get("revision")).longValue(),
                    ((Number) header.get("epoch")).longValue(),
                    String.valueOf(header.get("bundle")),
                    String.valueOf(header.get("bundleSha256")));
            if (!pointer.nodeGroup().equals(expectedGroup)) {
                throw new BundleRejected(
                        "wrong-group",
                        what + " points into node group '" + pointer.nodeGroup() + "', not '" + expectedGroup + "'");
            }
            return pointer;
        } catch (ClassCastException | NullPointerException e) {
            throw new BundleRejected("malformed", what + " has an incomplete header");
        }
    }
}
