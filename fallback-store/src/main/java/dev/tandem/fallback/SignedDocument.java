package dev.tandem.fallback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The envelope of every export object, readable with {@code jq}:
 * <pre>{"format": F, "header": {...}, "payload": base64, "signature": base64}</pre>
 * The signature covers {@code F + "\n" + header + "\n" + payload bytes}, the header serialized with its
 * keys sorted (so verifying re-creates the signed bytes from the parsed header). The header names the
 * signing key ({@code keyId}); a reader refuses other keys before it checks the signature. Public:
 * the peers' lease object in the same store is signed in the same envelope (ADR 0014 §5.1).
 */
public final class SignedDocument {

    static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** A verified document: its header and its payload (as stored: ciphertext if encrypted). */
    public record Opened(Map<String, Object> header, byte[] payload) {}

    private SignedDocument() {}

    public static byte[] write(String format, Map<String, Object> header, byte[] payload, PrivateKey key) {
        byte[] signature = SigningKeys.sign(key, signedBytes(format, header, payload));
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("format", format);
        document.put("header", new TreeMap<>(header));
        document.put("payload", Base64.getEncoder().encodeToString(payload));
        document.put("signature", Base64.getEncoder().encodeToString(signature));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks the format, the key and the signature of {@code bytes}.
     *
     * @param what names the object in messages (its key in the store)
     */
    @SuppressWarnings("unchecked")
    public static Opened read(byte[] bytes, String format, PublicKey trusted, String what) throws BundleRejected {
        JsonNode document;
        try {
            document = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BundleRejected(
                    "malformed",
                    what + " is not a Tandem export (" + bytes.length + " bytes, not complete JSON: "
                            + e.getOriginalMessage() + "); it may be truncated");
        } catch (IOException e) {
            throw new BundleRejected("malformed", what + " cannot be parsed: " + e.getMessage());
        }
        if (!(document instanceof ObjectNode)
                || !format.equals(document.path("format").asText())) {
            throw new BundleRejected(
                    "malformed",
                    what + " is not a " + format + " object (format '"
                            + (document == null ? "" : document.path("format").asText()) + "')");
        }
        if (!document.path("header").isObject() || !document.path("payload").isTextual()) {
            throw new BundleRejected("malformed", what + " lacks its header or payload");
        }
        if (!document.path("signature").isTextual()
                || document.path("signature").asText().isEmpty()) {
            throw new BundleRejected("unsigned", what + " carries no signature; an unsigned export is never used");
        }
        Map<String, Object> header = JSON.convertValue(document.path("header"), Map.class);
        String keyId = String.valueOf(header.get("keyId"));
        String trustedId = SigningKeys.keyId(trusted);
        if (!trustedId.equals(keyId)) {
            throw new BundleRejected(
                    "foreign-key",
                    what + " is signed by key " + keyId + ", not by the trusted export key " + trustedId);
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = Base64.getDecoder().decode(document.path("payload").asText());
            signature = Base64.getDecoder().decode(document.path("signature").asText());
        } catch (IllegalArgumentException e) {
            throw new BundleRejected("malformed", what + " has a payload or signature that is not base64");
        }
        if (!SigningKeys.verify(trusted, signedBytes(format, header, payload), signature)) {
            throw new BundleRejected(
                    "tampered",
                    what + " does not match its signature (key " + keyId + "): it was altered after it was signed");
        }
        return new Opened(header, payload);
    }

    /** What the signature covers; also the associated data of an encrypted payload (without the payload). */
    static byte[] signedBytes(String format, Map<String, Object> header, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((format + "\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(canonical(header));
        out.write('\n');
        out.writeBytes(payload);
        return out.toByteArray();
    }

    static byte[] canonical(Map<String, Object> header) {
        try {
            return JSON.writeValueAsBytes(new TreeMap<>(header));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
