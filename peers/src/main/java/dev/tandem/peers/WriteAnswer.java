package dev.tandem.peers;

/** What a conditional write of the lease object gave (ADR 0014 §5.3). */
public sealed interface WriteAnswer {
    record Written(String etag) implements WriteAnswer {}

    /** 412 (a stale or missing ETag, or an existing object), 404 (If-Match on a missing key) or 409 (a racing write). */
    record Refused(int status) implements WriteAnswer {}

    /** The request was never delivered (connection refused): it did not land. */
    record Unreachable(String detail) implements WriteAnswer {}

    /** A timeout or a 5xx after the request was sent: it may or may not have landed. */
    record Ambiguous(String detail) implements WriteAnswer {}
}
