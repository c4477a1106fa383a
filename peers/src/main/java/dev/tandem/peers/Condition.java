package dev.tandem.peers;

/** The precondition of a lease write. */
public sealed interface Condition {
    /** {@code If-None-Match: *}: create only. */
    record Absent() implements Condition {}

    /** {@code If-Match}: replace only this version. */
    record Matches(String etag) implements Condition {}
}
