package dev.tandem.xds.model;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The duration syntax of the config files: a decimal number and one unit, {@code ms}, {@code s}, {@code m} or {@code h}. */
public final class Durations {

    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,9})?)(ms|s|m|h)");

    private Durations() {}

    /** The parsed duration, or {@code null} when {@code text} is not in the syntax. */
    public static Duration parse(String text) {
        Matcher m = SYNTAX.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        BigDecimal nanosPerUnit = switch (m.group(2)) {
            case "ms" -> BigDecimal.valueOf(1_000_000L);
            case "s" -> BigDecimal.valueOf(1_000_000_000L);
            case "m" -> BigDecimal.valueOf(60_000_000_000L);
            default -> BigDecimal.valueOf(3_600_000_000_000L);
        };
        BigDecimal nanos = amount.multiply(nanosPerUnit);
        // A fraction of a nanosecond, or more nanoseconds than a long holds (about 292 years): not a duration.
        if (nanos.stripTrailingZeros().scale() > 0 || nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return null;
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    /** The shortest exact spelling in the config syntax ({@code 1500ms}, {@code 5s}, {@code 2m}). */
    public static String format(Duration d) {
        long millis = d.toMillis();
        if (Duration.ofMillis(millis).equals(d)) {
            if (millis % 3_600_000 == 0 && millis != 0) {
                return millis / 3_600_000 + "h";
            }
            if (millis % 60_000 == 0 && millis != 0) {
                return millis / 60_000 + "m";
            }
            if (millis % 1000 == 0) {
                return millis / 1000 + "s";
            }
            return millis + "ms";
        }
        return BigDecimal.valueOf(d.toNanos())
                        .movePointLeft(9)
                        .stripTrailingZeros()
                        .toPlainString() + "s";
    }
}
