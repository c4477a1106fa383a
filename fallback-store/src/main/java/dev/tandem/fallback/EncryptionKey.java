package dev.tandem.fallback;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256-GCM key an operator configures to encrypt exports end to end (the store never sees
 * plaintext). Kept in a file as base64 of 32 random bytes ({@code head -c 32 /dev/urandom | base64}).
 * {@link #toString()} shows only its id.
 */
public final class EncryptionKey {

    static final String ALGORITHM = "AES-256-GCM";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String id;

    public EncryptionKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("an export encryption key is 32 bytes (AES-256), not " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
        try {
            this.id = "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads base64 of 32 bytes from {@code file}. */
    public static EncryptionKey fromFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " must hold base64 of 32 random bytes (head -c 32 /dev/urandom | base64)");
        }
        try {
            return new EncryptionKey(bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** Names the key without revealing it. */
    public String id() {
        return id;
    }

    static byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    byte[] encrypt(byte[] plaintext, byte[] nonce, byte[] associated) {
        return crypt(Cipher.ENCRYPT_MODE, plaintext, nonce, associated);
    }

    /** @throws GeneralSecurityException when the key or the associated data is not the one used, or the bytes were altered */
    byte[] decrypt(byte[] ciphertext, byte[] nonce, byte[] associated) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(associated);
        return cipher.doFinal(ciphertext);
    }

    private byte[] crypt(int mode, byte[] input, byte[] nonce, byte[] associated) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated);
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "EncryptionKey[" + id + "]";
    }
}
