package dev.tandem.xds.feature;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the server sent on one ADS stream, in arrival order, and the error the stream ended with:
 * the test thread takes responses with a deadline instead of sleeping.
 */
final class ResponseQueue<T> implements StreamObserver<T> {

    /** How long a response the test waits for may take: far beyond an in-process round trip. */
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Class<T> type;
    private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();

    ResponseQueue(Class<T> type) {
        this.type = type;
    }

    @Override
    public void onNext(T response) {
        arrived.add(response);
    }

    @Override
    public void onError(Throwable error) {
        arrived.add(error);
    }

    @Override
    public void onCompleted() {
        arrived.add(new IllegalStateException("the server completed the stream"));
    }

    /** The next response, which must arrive within {@link #DEADLINE}. */
    T next() throws InterruptedException {
        return poll(DEADLINE).orElseThrow(() -> new AssertionError("no response within " + DEADLINE));
    }

    /** The next response within {@code wait}, or empty: for asserting that nothing is sent. */
    Optional<T> poll(Duration wait) throws InterruptedException {
        Object item = arrived.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (item instanceof Throwable error) {
            throw new AssertionError("the stream failed", error);
        }
        return Optional.ofNullable(item).map(type::cast);
    }
}
