package dev.tandem.peers;

/** What the machine keeps of an entry in memory: everything but the payload. */
public record EntryMeta(long epoch, long index, String kind, long revision, Checksum checksum) {}
