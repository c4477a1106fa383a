package dev.tandem.peers;

import java.util.Map;

/** What the machine asks its driver to do, in list order; a Persist completes durably before the next starts. */
public sealed interface Action {
    record Send(String to, PeerMessage message) implements Action {}

    /** Send the entries {@code fromIndex..toIndex} from the store, after {@code prevIndex}. */
    record SendEntries(
            String to,
            Header header,
            long prevIndex,
            Checksum prevChecksum,
            long fromIndex,
            long toIndex,
            long commitIndex,
            long activeLastIndex)
            implements Action {}

    record Persist(DurableChange change) implements Action {}

    /** The application may now store its entry at this slot (and only this one). */
    record GrantSlot(long writeId, long epoch, long index, long revision, Checksum prevChecksum) implements Action {}

    record AnswerWrite(long writeId, WriteOutcome outcome) implements Action {}

    record ReadLease(long requestId) implements Action {}

    record WriteLease(long requestId, Lease lease, Condition condition) implements Action {}

    record RunProbe() implements Action {}

    /** Serve this revision to data planes (xDS). Never lower than what was served before. */
    record Publish(ServedId id) implements Action {}

    /** Export what is served from now on, at this epoch (only the writer exports). */
    record StartExporter(long epoch) implements Action {}

    record StopExporter() implements Action {}

    record SetServing(boolean serving, String reason) implements Action {}

    record RoleChanged(Role role, State state, long epoch, String reason, String requestedBy) implements Action {}

    /** Stream a state transfer to {@code to}: the tables as of the summary's index and the entries after its base. */
    record SendState(String to, Header header, StateSummary summary) implements Action {}

    record Reply(long replyId, OperatorAnswer answer) implements Action {}

    /** A log line or a metric, as data. */
    record Event(String name, Map<String, Object> fields) implements Action {}
}
