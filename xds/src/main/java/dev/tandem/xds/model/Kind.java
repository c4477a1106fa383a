package dev.tandem.xds.model;

import java.util.Arrays;
import java.util.Optional;

/** The document kinds of a gateway config, spelled in YAML exactly as the constant names. */
public enum Kind {
    Gateway,
    Route,
    Upstream,
    FailoverScheme,
    Secret;

    public static Optional<Kind> named(String name) {
        return Arrays.stream(values()).filter(k -> k.name().equals(name)).findFirst();
    }

    /** How errors and logs name a document: {@code Route 'orders'}. */
    public String label(String name) {
        return name() + " '" + name + "'";
    }
}
