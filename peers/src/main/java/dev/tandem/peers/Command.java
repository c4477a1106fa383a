package dev.tandem.peers;

/** What an operator asks of a node (ADR 0014 §8). */
public sealed interface Command {
    /** @param to the member to hand over to, or null for the caught-up standby with the lowest lag */
    record SwitchActive(String to, String requestedBy) implements Command {}

    /**
     * @param oldActiveIsDown the operator has checked that the old active is stopped: needed when the
     *     lease cannot be written, or without a lease store
     * @param acceptDataLoss needed when this standby is not the recorded sync standby
     * @param dryRun report what a promote would do and risk, change nothing
     */
    record Promote(boolean oldActiveIsDown, boolean acceptDataLoss, boolean dryRun, String requestedBy)
            implements Command {}
}
