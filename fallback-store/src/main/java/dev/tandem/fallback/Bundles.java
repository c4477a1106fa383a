package dev.tandem.fallback;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Seals a bundle (encrypt if a key is configured, then sign) and opens one (verify, then decrypt,
 * then check it is the group asked for). Encrypt-then-sign: a reader rejects a foreign or altered
 * object before it tries any key; the header is the ciphertext's associated data, so a header cannot
 * be moved onto another payload.
 */
public final class Bundles {

    private Bundles() {}

    public static byte[] seal(ExportBundle bundle, KeyPair signingKey, Optional<EncryptionKey> encryption) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("nodeGroup", bundle.nodeGroup());
        header.put("revision", bundle.revision());
        header.put("epoch", bundle.epoch());
        header.put("applianceId", bundle.applianceId());
        header.put("createdAt", bundle.createdAt().toString());
        header.put("versions", new TreeMap<>(bundle.versions()));
        header.put("keyId", SigningKeys.keyId(signingKey.getPublic()));
        byte[] payload = bundle.payload();
        if (encryption.isPresent()) {
            byte[] nonce = EncryptionKey.newNonce();
            Map<String, Object> crypto = new TreeMap<>();
            crypto.put("alg", EncryptionKey.ALGORITHM);
            crypto.put("keyId", encryption.get().id());
            crypto.put("nonce", Base64.getEncoder().encodeToString(nonce));
            header.put("encryption", crypto);
            payload = encryption.get().encrypt(payload, nonce, SignedDocument.canonical(header));
        }
        return SignedDocument.write(ExportBundle.FORMAT, header, payload, signingKey.getPrivate());
    }

    /**
     * Verifies and opens a bundle.
     *
     * @param what names the object in messages
     * @throws BundleRejected saying precisely what is wrong: nothing of a rejected bundle may be used
     */
    @SuppressWarnings("unchecked")
    public static ExportBundle open(
            byte[] bytes, PublicKey trusted, Optional<EncryptionKey> decryption, String expectedGroup, String what)
            throws BundleRejected {
        SignedDocument.Opened opened = SignedDocument.read(bytes, ExportBundle.FORMAT, trusted, what);
        Map<String, Object> header = opened.header();
        String group = String.valueOf(header.get("nodeGroup"));
        if (!group.equals(expectedGroup)) {
            throw new BundleRejected(
                    "wrong-group", what + " holds node group '" + group + "', not '" + expectedGroup + "'");
        }
        byte[] payload = opened.payload();
        if (header.get("encryption") instanceof Map<?, ?> crypto) {
            if (decryption.isEmpty()) {
                throw new BundleRejected(
                        "encrypted",
                        what + " is encrypted (" + crypto.get("alg") + ", key " + crypto.get("keyId")
                                + "); give the export encryption key to read it");
            }
            if (!decryption.get().id().equals(crypto.get("keyId"))) {
                throw new BundleRejected(
                        "undecryptable",
                        what + " is encrypted with key " + crypto.get("keyId") + ", not with the given key "
                                + decryption.get().id());
            }
            try {
                byte[] nonce = Base64.getDecoder().decode(String.valueOf(crypto.get("nonce")));
                payload = decryption.get().decrypt(payload, nonce, SignedDocument.canonical(header));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new BundleRejected(
                        "undecryptable",
                        what + " cannot be decrypted with key "
                                + decryption.get().id() + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        try {
            Map<String, String> versions = new TreeMap<>();
            ((Map<String, Object>) header.getOrDefault("versions", Map.of()))
                    .forEach((k, v) -> versions.put(k, String.valueOf(v)));
            return new ExportBundle(
                    group,
                    ((Number) header.get("revision")).longValue(),
                    ((Number) header.get("epoch")).longValue(),
                    String.valueOf(header.get("applianceId")),
                    Instant.parse(String.valueOf(header.get("createdAt"))),
                    versions,
                    payload);
        } catch (RuntimeException e) {
            throw new BundleRejected("malformed", what + " has an incomplete header (" + e.getMessage() + ")");
        }
    }

    /** The payload as text (the resources document is JSON). */
    public static String text(ExportBundle bundle) {
        return new String(bundle.payload(), StandardCharsets.UTF_8);
    }
}
