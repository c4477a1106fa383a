package dev.tandem.peers;

/** What a node tries at its next start (ADR 0014 §2.2). */
public enum RoleIntent {
    STANDALONE,
    ACTIVE,
    STANDBY
}
