package dev.tandem.peers;

import java.util.List;

/** The answer to a client write. */
public sealed interface WriteOutcome {
    /** @param heldBy the members whose acknowledgement the commit required, beside this node */
    record Committed(long epoch, long index, long revision, List<String> heldBy) implements WriteOutcome {
        public Committed {
            heldBy = List.copyOf(heldBy);
        }
    }

    /** This node does not write: send it to {@code active} (HTTP 421). */
    record Misdirected(String active, long epoch) implements WriteOutcome {}

    /**
     * Not acknowledged (HTTP 503 with Retry-After). {@code pendingIndex} is the stored entry that may
     * still commit, or 0 when nothing was stored.
     */
    record Unavailable(String reason, String detail, int retryAfterSeconds, long pendingIndex)
            implements WriteOutcome {}

    /** The application refused it: nothing was stored. */
    record Refused(String reason) implements WriteOutcome {}
}
