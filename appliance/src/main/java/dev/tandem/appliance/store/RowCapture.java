package dev.tandem.appliance.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The row changes of the write running on this thread, collected by {@link CaptureTrigger} while
 * the write's transaction runs. Every replicated write runs on the thread that started it
 * ({@code Database.write}), and H2 fires row triggers on that thread, so a thread-local is the
 * transaction's own buffer. A standby applying an entry captures nothing.
 */
public final class RowCapture {
    private static final ThreadLocal<List<RowChange>> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<Boolean> APPLYING = new ThreadLocal<>();

    private RowCapture() {}

    public static void begin() {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("a replicated write is already running on this thread");
        }
        CURRENT.set(new ArrayList<>());
    }

    /** The changes captured since {@link #begin}, and the capture ends. */
    public static List<RowChange> end() {
        List<RowChange> changes = CURRENT.get();
        CURRENT.remove();
        return changes == null ? List.of() : changes;
    }

    public static boolean active() {
        return CURRENT.get() != null;
    }

    /**
     * Runs {@code work} as a change the log already carries or that every node makes alike (applying
     * an entry on a standby, installing a state transfer, a schema migration): nothing is captured.
     */
    public static <T, E extends Exception> T applying(Applying<T, E> work) throws E {
        APPLYING.set(Boolean.TRUE);
        try {
            return work.run();
        } finally {
            APPLYING.remove();
        }
    }

    public static boolean applying() {
        return APPLYING.get() != null;
    }

    /** Work that applies changes without capturing them. */
    @FunctionalInterface
    interface Applying<T, E extends Exception> {
        T run() throws E;
    }

    public static void add(RowChange change) {
        List<RowChange> changes = CURRENT.get();
        if (changes != null) {
            changes.add(change);
        }
    }
}
