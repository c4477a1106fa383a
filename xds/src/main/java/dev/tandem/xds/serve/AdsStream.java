package dev.tandem.xds.serve;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One ADS stream as the watcher sees it: java-control-plane's stream id and the node the stream
 * named. java-control-plane hands its callbacks the stream id but its cache only the request; the
 * cache needs both (what a stream's client holds is per stream, and some clients name their node
 * only on a stream's first request: grpc-js, Envoy with {@code set_node_on_first_message_only}).
 *
 * <p>So each gRPC call carries one slot in its {@link Context} ({@link #interceptor()}); the
 * registry fills it when java-control-plane opens the stream, on that call, and the watcher reads it
 * for every request of the call. gRPC attaches a call's context to every callback of that call, on
 * whichever thread runs it, so the stream is found by the call it belongs to, not by the order of
 * two method calls on one thread.
 *
 * <p>Thread-safe: the node is set once, on the stream's first identifying request.
 */
final class AdsStream {

    private static final Context.Key<AtomicReference<AdsStream>> CALL = Context.key("tandem-ads-stream");

    private final long id;
    private volatile Node node;

    private AdsStream(long id) {
        this.id = id;
    }

    /** Gives every call of the service it intercepts an empty slot for its stream. */
    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                Context context = Context.current().withValue(CALL, new AtomicReference<>());
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
    }

    /**
     * The stream java-control-plane opened on the current call, recorded in the call's slot; empty
     * when the service is hosted without {@link #interceptor()}.
     */
    static Optional<AdsStream> opened(long id) {
        AtomicReference<AdsStream> slot = CALL.get();
        if (slot == null) {
            return Optional.empty();
        }
        AdsStream stream = new AdsStream(id);
        slot.set(stream);
        return Optional.of(stream);
    }

    /** The stream of the call whose request is being handled, if it was opened through {@link #opened}. */
    static Optional<AdsStream> current() {
        AtomicReference<AdsStream> slot = CALL.get();
        return slot == null ? Optional.empty() : Optional.ofNullable(slot.get());
    }

    long id() {
        return id;
    }

    /** The node the stream first identified itself as, if it has. */
    Optional<Node> node() {
        return Optional.ofNullable(node);
    }

    void identified(Node node) {
        this.node = node;
    }
}
