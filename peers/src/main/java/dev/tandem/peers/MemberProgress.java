package dev.tandem.peers;

/**
 * What the active knows of one standby's replication, as {@code GET /api/v1/peers} and the metrics
 * show it.
 *
 * @param streaming its subscription was accepted and entries flow to it on this connection
 * @param matchIndex the highest index it acknowledged: durable on it
 * @param lastContactAgoMs how long ago it was last heard from, on this node's monotonic clock; -1 never
 */
public record MemberProgress(String name, boolean streaming, long matchIndex, long lastContactAgoMs) {}
