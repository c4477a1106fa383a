package dev.tandem.peers;

/** The machine's states (ADR 0014 §2.1) and the role each shows. */
public enum State {
    STANDALONE(Role.STANDALONE),
    ACTIVE(Role.ACTIVE),
    /** The active of its epoch without authority now: its lease lapsed, or it restarted and has not renewed yet. */
    FENCED(Role.ACTIVE),
    /** A switch drains: new writes are held, appended ones may still commit. */
    DEMOTING(Role.ACTIVE),
    /** The lease write naming the target (or the handover offer) is out: nothing more commits here. */
    HANDING_OVER(Role.ACTIVE),
    /** It holds a new epoch; its {@code epoch-start} has not committed yet. */
    PROMOTING(Role.ACTIVE),
    FOLLOWING(Role.STANDBY),
    TRANSFERRING(Role.STANDBY);

    private final Role role;

    State(Role role) {
        this.role = role;
    }

    public Role role() {
        return role;
    }

    /** The states that may commit when authorised (ADR 0014 §2.5). */
    public boolean writerState() {
        return this == STANDALONE || this == ACTIVE || this == DEMOTING || this == PROMOTING;
    }
}
