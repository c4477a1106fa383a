package dev.tandem.peers;

/** The entry kinds the machine itself writes or reads; the application adds its own (ADR 0014 §3.2). */
public final class EntryKinds {
    /** The first entry of every epoch: it commits the entries of earlier epochs (Raft's rule) and re-stamps the served revision. */
    public static final String EPOCH_START = "epoch-start";
    /** A config revision: the only kind the machine numbers and publishes. */
    public static final String REVISION = "revision";
    /** The sync standby as recorded in the log: the record without a lease store, a mirror with one. */
    public static final String SYNC_STANDBY = "sync-standby";

    private EntryKinds() {}
}
