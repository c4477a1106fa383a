package dev.tandem.peers;

/**
 * Where an epoch's entries begin in the log. An entry is identified by its epoch and index across
 * the cluster (one node creates the entries of an epoch, and never two at one index), so this short
 * history is enough to find where two logs fork even below what is compacted (ADR 0014 §3.7, §3.8).
 */
public record EpochSpan(long epoch, long firstIndex) {}
