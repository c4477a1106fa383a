package dev.tandem.appliance;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * A server call Tandem can end from outside its stream (a revoked or expired certificate): every
 * method that touches the call holds one lock, so ending it never races a push on the publisher
 * thread, and a push after the end is dropped instead of throwing into java-control-plane.
 */
final class GuardedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {

    private final Object lock = new Object();
    private boolean closed;
    private boolean ended;

    GuardedCall(ServerCall<Q, R> delegate) {
        super(delegate);
    }

    /**
     * Closes the call with {@code status} unless it is closed already; returns whether it did. The
     * listener then reports the call cancelled to the service, which releases its watches.
     */
    boolean end(Status status) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            ended = true;
            super.close(status, new Metadata());
            return true;
        }
    }

    /** Whether {@link #end} closed it (rather than the service or the client). */
    boolean ended() {
        synchronized (lock) {
            return ended;
        }
    }

    @Override
    public void sendMessage(R message) {
        synchronized (lock) {
            if (!closed) {
                super.sendMessage(message);
            }
        }
    }

    @Override
    public void sendHeaders(Metadata headers) {
        synchronized (lock) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }
    }

    @Override
    public void request(int numMessages) {
        synchronized (lock) {
            if (!closed) {
                super.request(numMessages);
            }
        }
    }

    @Override
    public void close(Status status, Metadata trailers) {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                super.close(status, trailers);
            }
        }
    }

    @Override
    public boolean isReady() {
        synchronized (lock) {
            return !closed && super.isReady();
        }
    }
}
