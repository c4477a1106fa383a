package dev.tandem.xds.model;

import java.util.regex.Pattern;

/** IP literals, checked without ever asking DNS (a config check must not depend on the network). */
final class Addresses {

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    private Addresses() {
    }

    static boolean isIpLiteral(String text) {
        if (IPV4.matcher(text).matches()) {
            return true;
        }
        if (!text.contains(":") || !IPV6.matcher(text).matches()) {
            return false;
        }
        try {
            // A literal with only hex digits, ':' and '.' is parsed locally, never resolved.
            java.net.InetAddress.getByName(text);
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
