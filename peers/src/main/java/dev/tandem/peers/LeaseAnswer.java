package dev.tandem.peers;

/** What a read of the lease object gave. */
public sealed interface LeaseAnswer {
    record Found(String etag, Lease lease) implements LeaseAnswer {}

    record Missing() implements LeaseAnswer {}

    /** A timeout, a connection error or a 5xx: nothing is known. */
    record Unreachable(String detail) implements LeaseAnswer {}

    /** The object is there but is not a lease this cluster signed: refused, never taken, never trusted. */
    record Unverifiable(String detail) implements LeaseAnswer {}
}
