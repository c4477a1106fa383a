package dev.tandem.appliance;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A short random reference for an internal error: logged with its cause and stack trace, and the
 * only thing about it an answer or a status carries (causes can hold paths, names and internals).
 */
public final class ErrorReference {

    private static final SecureRandom RANDOM = new SecureRandom();

    private ErrorReference() {}

    /** Eight hex digits, e.g. {@code 1f2e3d4c}. */
    public static String next() {
        byte[] bytes = new byte[4];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
