package dev.tandem.peers;

/** When a write is acknowledged (ADR 0014 §3.4). */
public enum Replication {
    /** Once the sync standby has it, or once the witness records that there is none. */
    SYNC,
    /** Once it is durable on the active: a failover can lose the newest acknowledged writes. */
    ASYNC
}
