package dev.tandem.xds.feature;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the test streams of both ADS protocols share: taking the server's responses with a deadline,
 * and a round trip after which every earlier request of the stream has been handled.
 *
 * @param <R> the protocol's response
 */
abstract class AdsTestStream<R> {

    private final ResponseQueue<R> responses;
    private final Function<R, String> typeUrl;
    /** A response's version, to name it in a failure. */
    private final Function<R, String> version;

    AdsTestStream(ResponseQueue<R> responses, Function<R, String> typeUrl, Function<R, String> version) {
        this.responses = responses;
        this.typeUrl = typeUrl;
        this.version = version;
    }

    /** Subscribes to {@code names} of {@code typeUrl} (none: all of them), having nothing of it. */
    abstract void subscribe(String typeUrl, String... names);

    /** Whether the stream has asked for {@code typeUrl}. */
    abstract boolean subscribed(String typeUrl);

    /** The next response, within {@link ResponseQueue#DEADLINE}. */
    final R next() throws InterruptedException {
        return responses.next();
    }

    /** The next response within {@code wait}, or empty. */
    final Optional<R> poll(Duration wait) throws InterruptedException {
        return responses.poll(wait);
    }

    /**
     * Subscribes to {@code typeUrl}, which this stream has not asked for, and returns its response. The
     * server handles a stream's requests in order and answers on the request's thread, so every
     * response to an earlier request that was sent at once has arrived before this one: the next
     * response must be this one, and once it is here every earlier request has been handled.
     */
    final R roundTrip(String typeUrl, String... names) throws InterruptedException {
        if (subscribed(typeUrl)) {
            throw new IllegalArgumentException(
                    "the stream already subscribed to " + typeUrl + ": it may get no answer");
        }
        subscribe(typeUrl, names);
        R response = next();
        if (!this.typeUrl.apply(response).equals(typeUrl)) {
            throw new AssertionError("expected the answer to " + typeUrl + ", got a response of "
                    + this.typeUrl.apply(response) + " version " + version.apply(response) + " before it");
        }
        return response;
    }
}
