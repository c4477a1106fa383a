package dev.tandem.peers;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Client writes on their way through the machine: held (waiting for a slot), the one slot granted,
 * and pending (stored, not committed). A held write that is answered is never granted afterwards
 * (I10); a pending one can only commit or be moved aside.
 */
final class ClientWrites {
    record Held(long writeId, String kind, long arrivedAt) {}

    record Slot(long writeId, long epoch, long index, String kind, long revision, Checksum prevChecksum) {}

    static final class Pending {
        final long writeId;
        final long appendedAt;
        boolean answered;

        Pending(long writeId, long appendedAt) {
            this.writeId = writeId;
            this.appendedAt = appendedAt;
        }
    }

    final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Pending writes by log index. */
    final TreeMap<Long, Pending> pending = new TreeMap<>();

    Slot slot;

    Held nextHeld() {
        return held.peekFirst();
    }

    /** Held writes that waited longer than {@code wait}, removed. */
    List<Held> expiredHeld(long now, long wait) {
        List<Held> expired = new ArrayList<>();
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held write = it.next();
            if (now - write.arrivedAt() >= wait) {
                expired.add(write);
                it.remove();
            }
        }
        return expired;
    }

    List<Held> drainHeld() {
        List<Held> all = new ArrayList<>(held);
        held.clear();
        return all;
    }

    /** Pending writes at or below {@code index}, removed. */
    List<Map.Entry<Long, Pending>> committedUpTo(long index) {
        List<Map.Entry<Long, Pending>> done =
                new ArrayList<>(pending.headMap(index, true).entrySet());
        pending.headMap(index, true).clear();
        return done;
    }
}
