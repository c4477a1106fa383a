package dev.tandem.appliance;

import java.util.logging.LogManager;

/**
 * JUL's own shutdown hook resets every handler, racing Tandem's shutdown hook: the lines saying what
 * was stopped would be lost. This manager ignores that reset; {@link #resetAfterShutdown()} does it
 * once Tandem has stopped.
 */
public final class ShutdownLogManager extends LogManager {

    private volatile boolean stopped;

    @Override
    public void reset() {
        if (stopped || !shuttingDown()) {
            super.reset();
        }
    }

    /** Called last by Tandem's shutdown hook. */
    public static void resetAfterShutdown() {
        if (LogManager.getLogManager() instanceof ShutdownLogManager manager) {
            manager.stopped = true;
            manager.reset();
        }
    }

    private static boolean shuttingDown() {
        try {
            Thread probe = new Thread(() -> {});
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
