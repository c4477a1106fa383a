package dev.tandem.peers;

import java.util.List;

/** Everything that happens to a node, in the order it happened. Each carries the node's clocks. */
public sealed interface Input {
    At at();

    /** After the durable state is restored. {@code bootId} is random per start: it makes lease write ids unique. */
    record Start(At at, String bootId) implements Input {}

    /** Every 50 ms of local time. */
    record Tick(At at) implements Input {}

    record Received(At at, String from, PeerMessage message) implements Input {}

    /** The link to a member came up or went down (a stream broke, a connection was refused). */
    record LinkChanged(At at, String peer, boolean up) implements Input {}

    record LeaseRead(At at, long requestId, LeaseAnswer answer) implements Input {}

    record LeaseWritten(At at, long requestId, WriteAnswer answer) implements Input {}

    /** The start-up check of the store's conditional writes (ADR 0014 §5.6). */
    /** @param reachable whether the store answered: a probe it did not answer is retried soon, a refused condition is not */
    record ProbeResult(At at, boolean ok, boolean reachable, String detail) implements Input {}

    /** A client write asks for a slot in the log. */
    record ClientWrite(At at, long writeId, String kind) implements Input {}

    /** The application stored the entry of a granted slot, with its effect, durably. */
    record Appended(At at, long writeId, LogEntry entry) implements Input {}

    /** The application refused the write of a granted slot (a token used up, a name taken): nothing is stored. */
    record AppendRefused(At at, long writeId, String reason) implements Input {}

    record Operator(At at, long replyId, Command command) implements Input {}

    /** The driver received a state transfer and verified its digest and chain; nothing is installed yet. */
    record StateStaged(At at, long transferId, String from, Header header, StateSummary summary, List<EntryMeta> tail)
            implements Input {
        public StateStaged {
            tail = List.copyOf(tail);
        }
    }

    /** A state transfer did not verify: nothing of it is applied. */
    record StateFailed(At at, String from, Header header, String reason) implements Input {}
}
