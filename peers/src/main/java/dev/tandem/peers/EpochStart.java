package dev.tandem.peers;

/** The fields of the {@code epoch-start} entry a node appends when it starts leading an epoch (§3.6). */
record EpochStart(String reason, String requestedBy, boolean lossAccepted, boolean gap, String previous) {}
