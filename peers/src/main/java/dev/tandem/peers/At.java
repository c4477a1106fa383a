package dev.tandem.peers;

/**
 * When an input happened on this node: its monotonic clock (every decision) and its wall clock (only
 * the suspend check and what people read).
 */
public record At(long mono, long wallMillis) {}
