package dev.tandem.appliance.api;

import java.util.regex.Pattern;

/** Private keys never leave the appliance through the API: PEM key blocks are replaced, wherever they stand. */
final class Redaction {

    static final String REDACTED = "(private key redacted)";

    /** A PEM private key block, also inside a quoted YAML string where line breaks are written {@code \n}. */
    private static final Pattern PRIVATE_KEY =
            Pattern.compile("-----BEGIN ([A-Z]+ )?PRIVATE KEY-----[\\s\\S]*?-----END ([A-Z]+ )?PRIVATE KEY-----");

    private Redaction() {}

    static String privateKeys(String text) {
        return PRIVATE_KEY.matcher(text).replaceAll(REDACTED);
    }
}
