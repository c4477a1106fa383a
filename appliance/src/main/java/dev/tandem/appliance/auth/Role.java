package dev.tandem.appliance.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Admin API roles, each allowed what the ones before it are: viewer reads, operator applies, admin manages access. */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN;

    public boolean allows(Role needed) {
        return ordinal() >= needed.ordinal();
    }

    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> named(String text) {
        return Arrays.stream(values()).filter(r -> r.spelling().equals(text)).findFirst();
    }
}
