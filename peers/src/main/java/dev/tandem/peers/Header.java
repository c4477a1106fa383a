package dev.tandem.peers;

/** On every peer message (ADR 0014 §4.3). {@code wallMillis} is for the clock offset people see, never for a decision. */
public record Header(String cluster, long epoch, String from, long wallMillis) {}
