package dev.tandem.peers;

/** What an operator command ended with. */
public sealed interface OperatorAnswer {
    record Switched(String from, String to, long epoch, long tookNanos) implements OperatorAnswer {}

    /**
     * What a promote would do and risk (ADR 0014 §8), also the report before a real promote.
     *
     * @param knownMissing committed entries this node knows it lacks
     * @param refusal why it would be refused, or null
     */
    record PromoteReport(
            boolean isSyncStandby,
            String syncSource,
            long knownMissing,
            long leaseCommittedIndex,
            boolean mayLoseAcknowledgedWrites,
            String refusal)
            implements OperatorAnswer {}

    record Promoted(long epoch, boolean lossAccepted) implements OperatorAnswer {}

    record Refusal(String reason, String detail) implements OperatorAnswer {}
}
