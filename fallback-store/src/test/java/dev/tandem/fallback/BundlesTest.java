package dev.tandem.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.fallback.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A bundle opens only with the trusted key, unaltered, for its own group, and decrypts only with its key. */
class BundlesTest {

    private static final KeyPair KEY = TestKeys.ed25519();
    private static final String PAYLOAD = "{\"resources\":{\"listeners\":[{\"name\":\"edge:http\"}]}}";
    private static final ExportBundle BUNDLE = new ExportBundle(
            "edge",
            7,
            1,
            "tandem-1",
            Instant.parse("2026-11-22T10:00:00Z"),
            Map.of("listeners", "abc", "clusters", "def"),
            PAYLOAD.getBytes(StandardCharsets.UTF_8));

    @Test
    void roundTripKeepsEverything() throws Exception {
        byte[] sealed = Bundles.seal(BUNDLE, KEY, Optional.empty());
        ExportBundle opened = Bundles.open(sealed, KEY.getPublic(), Optional.empty(), "edge", "b");
        assertThat(opened.nodeGroup()).isEqualTo("edge");
        assertThat(opened.revision()).isEqualTo(7);
        assertThat(opened.epoch()).isEqualTo(1);
        assertThat(opened.applianceId()).isEqualTo("tandem-1");
        assertThat(opened.createdAt()).isEqualTo(BUNDLE.createdAt());
        assertThat(opened.versions()).isEqualTo(Map.of("listeners", "abc", "clusters", "def"));
        assertThat(Bundles.text(opened)).isEqualTo(PAYLOAD);
        // ECDSA P-256 keys (an operator's own) work the same.
        KeyPair ec = TestKeys.ecP256();
        assertThat(Bundles.text(Bundles.open(
                        Bundles.seal(BUNDLE, ec, Optional.empty()), ec.getPublic(), Optional.empty(), "edge", "b")))
                .isEqualTo(PAYLOAD);
    }

    @Test
    void anEncryptedBundleIsUnreadableWithoutItsKey() throws Exception {
        EncryptionKey key = new EncryptionKey(new byte[32]);
        byte[] sealed = Bundles.seal(BUNDLE, KEY, Optional.of(key));
        assertThat(new String(sealed, StandardCharsets.UTF_8))
                .doesNotContain("edge:http")
                .contains("AES-256-GCM");
        assertThat(Bundles.text(Bundles.open(sealed, KEY.getPublic(), Optional.of(key), "edge", "b")))
                .isEqualTo(PAYLOAD);
        assertRejected(
                () -> Bundles.open(sealed, KEY.getPublic(), Optional.empty(), "edge", "b"),
                "encrypted",
                "is encrypted");
        byte[] other = new byte[32];
        other[0] = 1;
        assertRejected(
                () -> Bundles.open(sealed, KEY.getPublic(), Optional.of(new EncryptionKey(other)), "edge", "b"),
                "undecryptable",
                "not with the given key");
    }

    @Test
    void aTamperedByteIsRefused() throws Exception {
        byte[] sealed = Bundles.seal(BUNDLE, KEY, Optional.empty());
        String text = new String(sealed, StandardCharsets.UTF_8);
        // One field of the header changed: the signature no longer matches.
        byte[] tampered = text.replace("\"revision\" : 7", "\"revision\" : 8").getBytes(StandardCharsets.UTF_8);
        assertThat(tampered).isNotEqualTo(sealed);
        assertRejected(
                () -> Bundles.open(tampered, KEY.getPublic(), Optional.empty(), "edge", "b"),
                "tampered",
                "does not match its signature");
        // One bit of the payload flipped.
        int at = text.indexOf("\"payload\" : \"") + 20;
        byte[] flipped = sealed.clone();
        flipped[at] = (byte) (flipped[at] == 'A' ? 'B' : 'A');
        assertRejected(
                () -> Bundles.open(flipped, KEY.getPublic(), Optional.empty(), "edge", "b"), "tampered", "altered");
    }

    @Test
    void foreignKeyMissingSignatureTruncatedAndWrongGroupAreRefused() throws Exception {
        byte[] sealed = Bundles.seal(BUNDLE, KEY, Optional.empty());
        KeyPair stranger = TestKeys.ed25519();
        assertRejected(
                () -> Bundles.open(
                        Bundles.seal(BUNDLE, stranger, Optional.empty()),
                        KEY.getPublic(),
                        Optional.empty(),
                        "edge",
                        "b"),
                "foreign-key",
                "not by the trusted export key " + SigningKeys.keyId(KEY.getPublic()));
        byte[] unsigned = new String(sealed, StandardCharsets.UTF_8)
                .replaceAll("\"signature\" : \"[^\"]*\"", "\"signature\" : \"\"")
                .getBytes(StandardCharsets.UTF_8);
        assertRejected(
                () -> Bundles.open(unsigned, KEY.getPublic(), Optional.empty(), "edge", "b"),
                "unsigned",
                "carries no signature");
        byte[] truncated = Arrays.copyOf(sealed, sealed.length / 2);
        assertRejected(
                () -> Bundles.open(truncated, KEY.getPublic(), Optional.empty(), "edge", "b"),
                "malformed",
                "may be truncated");
        assertRejected(
                () -> Bundles.open(sealed, KEY.getPublic(), Optional.empty(), "mesh", "b"),
                "wrong-group",
                "holds node group 'edge', not 'mesh'");
        assertRejected(
                () -> Bundles.open(
                        "garbage".getBytes(StandardCharsets.UTF_8), KEY.getPublic(), Optional.empty(), "edge", "b"),
                "malformed",
                "not a Tandem export");
    }

    private interface Opening {
        void open() throws Exception;
    }

    private static void assertRejected(Opening opening, String reason, String message) {
        assertThatThrownBy(opening::open)
                .isInstanceOf(BundleRejected.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((BundleRejected) e).reason()).isEqualTo(reason));
    }
}
