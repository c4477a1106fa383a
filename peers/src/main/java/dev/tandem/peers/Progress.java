package dev.tandem.peers;

/** What the active knows of one standby's replication (ADR 0014 §2.3, {@code progress[peer]}). */
final class Progress {
    /** Whether its Subscribe was accepted and entries flow to it on this connection. */
    boolean streaming;
    /** The next index to send. */
    long nextIndex;
    /** The highest index it acknowledged with a checksum equal to ours: durable on it. */
    long matchIndex;

    long lastContact;
    boolean wantsState;

    Progress(long never) {
        this.lastContact = never;
    }
}
