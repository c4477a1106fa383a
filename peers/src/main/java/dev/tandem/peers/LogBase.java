package dev.tandem.peers;

import java.util.List;

/**
 * What stands for the entries before {@code firstIndex} once they are compacted or came with a state
 * transfer (ADR 0014 §3.7): the chain goes on from {@code checksum}, and the served identity and the
 * revision numbering go on from {@code identity} and {@code maxRevision}.
 *
 * @param index the last index the base covers ({@code firstIndex - 1}), 0 for an empty log
 * @param entryEpoch the epoch of the entry at {@code index}, 0 for an empty log
 * @param epochs where each epoch's entries begin, up to {@code index}
 */
public record LogBase(
        long index, long entryEpoch, Checksum checksum, ServedId identity, long maxRevision, List<EpochSpan> epochs) {

    public LogBase {
        epochs = List.copyOf(epochs);
    }

    public static LogBase empty(String cluster) {
        return new LogBase(0, 0, Checksum.genesis(cluster), ServedId.NONE, 0, List.of());
    }

    /** The epoch of the entry at {@code at} (at most {@code index}), 0 before the first. */
    public long epochAt(long at) {
        long epoch = 0;
        for (EpochSpan span : epochs) {
            if (span.firstIndex() > at) {
                break;
            }
            epoch = span.epoch();
        }
        return epoch;
    }
}
