package dev.tandem.appliance.peers;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.tandem.appliance.store.StateImage;
import dev.tandem.peers.Checksum;
import dev.tandem.peers.PeerMessage;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The frames of the peer link (ADR 0014 §4.1): each message as CBOR, {@code {type, body}}, entry
 * payloads and checksums as byte strings. Fields are only ever added: a receiver ignores fields it
 * does not know, and refuses a frame that lacks one it needs ({@link MalformedFrame}, the
 * {@code truncated} refusal of §4.5), so nothing of a broken frame is applied.
 */
public final class PeerWire {
    private static final Map<String, Class<? extends PeerMessage>> TYPES = types();
    private static final ObjectMapper CBOR = CBORMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .addModule(new SimpleModule("tandem-peer-wire")
                    .addSerializer(Checksum.class, new ChecksumSerializer())
                    .addDeserializer(Checksum.class, new ChecksumDeserializer()))
            .build();

    /** A frame that does not parse or lacks a field: refused whole. */
    public static final class MalformedFrame extends Exception {
        MalformedFrame(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private PeerWire() {}

    public static byte[] encode(PeerMessage message) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", message.getClass().getSimpleName());
        frame.put("body", message);
        try {
            return CBOR.writeValueAsBytes(frame);
        } catch (IOException e) {
            throw new IllegalStateException("a peer message always encodes: " + e.getMessage(), e);
        }
    }

    public static PeerMessage decode(byte[] frame) throws MalformedFrame {
        JsonNode root;
        try {
            root = CBOR.readTree(frame);
        } catch (IOException e) {
            throw new MalformedFrame("a peer frame of " + frame.length + " bytes is not CBOR: " + e.getMessage(), e);
        }
        if (root == null || !root.path("type").isTextual() || !root.path("body").isObject()) {
            throw new MalformedFrame("a peer frame needs a type and a body", null);
        }
        Class<? extends PeerMessage> type = TYPES.get(root.path("type").asText());
        if (type == null) {
            throw new MalformedFrame(
                    "unknown peer message type " + root.path("type").asText(), null);
        }
        try {
            PeerMessage message = CBOR.treeToValue(root.path("body"), type);
            if (message.header() == null) {
                throw new MalformedFrame(type.getSimpleName() + " has no header", null);
            }
            return message;
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedFrame(
                    "a " + type.getSimpleName() + " frame is incomplete or malformed: " + e.getMessage(), e);
        }
    }

    /** A state image as the bytes a state transfer's parts carry. */
    public static byte[] encodeState(StateImage image) {
        try {
            return CBOR.writeValueAsBytes(image);
        } catch (IOException e) {
            throw new IllegalStateException("a state image always encodes: " + e.getMessage(), e);
        }
    }

    /** The state image of a transfer's assembled bytes; refused whole when they do not parse. */
    public static StateImage decodeState(byte[] bytes) throws MalformedFrame {
        try {
            StateImage image = CBOR.readValue(bytes, StateImage.class);
            if (image == null || image.format() == null || image.schemaVersion() == null) {
                throw new MalformedFrame("a state image needs a format and a schema version", null);
            }
            return image;
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new MalformedFrame(
                    "a state image of " + bytes.length + " bytes does not parse: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Class<? extends PeerMessage>> types() {
        Map<String, Class<? extends PeerMessage>> types = new TreeMap<>();
        Arrays.stream(PeerMessage.class.getPermittedSubclasses())
                .forEach(type -> types.put(type.getSimpleName(), (Class<? extends PeerMessage>) type));
        return Map.copyOf(types);
    }

    private static final class ChecksumSerializer extends JsonSerializer<Checksum> {
        @Override
        public void serialize(Checksum value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeBinary(value.bytes());
        }
    }

    private static final class ChecksumDeserializer extends JsonDeserializer<Checksum> {
        @Override
        public Checksum deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            byte[] bytes = parser.getBinaryValue();
            if (bytes == null || bytes.length != 32) {
                throw new IllegalArgumentException(
                        "a checksum has 32 bytes, not " + (bytes == null ? 0 : bytes.length));
            }
            return Checksum.of(bytes);
        }
    }
}
