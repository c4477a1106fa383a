package dev.tandem.peers;

import java.util.Locale;

/** The role a node shows in its status and its metrics. */
public enum Role {
    STANDALONE,
    ACTIVE,
    STANDBY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
