package dev.tandem.appliance.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how many applies are parsed and validated at once. Each is CPU work on the request thread (an
 * 8 MiB body takes tens to hundreds of milliseconds), and applies are stored one at a time anyway, so
 * more of them at once only slows every one down and takes the cores that push xDS. One past the limit
 * waits briefly, in arrival order, then gets 503 with {@code Retry-After}. Only the parse holds a
 * permit: storing and publishing are serialized by the revision service, and a slow publish must not
 * turn the next apply into a 503.
 */
final class ApplyAdmission {

    /**
     * Half the cores, at least one: the other half stays free for the xDS streams and the rest of the
     * admin API while applies are being parsed. Applies are stored one at a time, so a larger number
     * would not store more of them per second.
     */
    static final int DEFAULT_CONCURRENT = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    /** Longer than the parse of the largest body the API accepts, so ordinary overlapping applies just queue. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(2);

    private static final String RETRY_AFTER_SECONDS = "1";

    private final int concurrent;
    private final Semaphore permits;
    private final Duration wait;
    private final Runnable refused;

    /**
     * @param refused called for each apply refused as busy (counts it in the metrics)
     */
    ApplyAdmission(int concurrent, Duration wait, Runnable refused) {
        this.concurrent = concurrent;
        // Fair: a waiting apply is not overtaken by one that arrives later.
        this.permits = new Semaphore(concurrent, true);
        this.wait = wait;
        this.refused = refused;
    }

    /** What an admitted apply does under its permit (the parse), and what it made. */
    interface Parse<T> {
        T run() throws Exception;
    }

    /**
     * Runs {@code work} once one of the permits is free and returns its result.
     *
     * @throws ApiRefusal 503 with {@code Retry-After} when none frees within the wait
     */
    <T> T call(Parse<T> work) throws Exception {
        boolean admitted;
        try {
            admitted = permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // The server is stopping: answer as busy rather than with an internal error.
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            refused.run();
            throw new ApiRefusal(
                            Status.SERVICE_UNAVAILABLE_503,
                            "busy: " + concurrent + " apply(s) being processed",
                            "no apply slot freed within " + wait.toMillis() + " ms; retry after " + RETRY_AFTER_SECONDS
                                    + " s")
                    .withHeader(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        try {
            return work.run();
        } finally {
            permits.release();
        }
    }

    /** Applies waiting for a permit now (for tests and diagnostics). */
    int waiting() {
        return permits.getQueueLength();
    }

    /** Applies holding a permit now. */
    int running() {
        return concurrent - permits.availablePermits();
    }
}
