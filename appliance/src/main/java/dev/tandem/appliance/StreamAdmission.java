package dev.tandem.appliance;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.LongSupplier;

/**
 * Admits new xDS streams at a bounded rate (a token bucket: {@code streamsPerSecond}, up to {@code
 * burst} at once), so that a storm of data planes reconnecting to this peer when another dies
 * (java-control-plane #300) is spread over seconds instead of overwhelming it; Consul caps streams
 * per server for the same reason. A stream refused ends at once with UNAVAILABLE, which Envoy and
 * gRPC's xDS client retry with their backoff; streams already open are never touched. Hand-written
 * rather than Guava's {@code RateLimiter}: that one fixes the burst at one second's worth and cannot
 * be given a clock, so its refusals could not be tested deterministically.
 */
final class StreamAdmission implements ServerInterceptor {

    private static final long SECOND = 1_000_000_000L;

    private final XdsAdmission settings;
    private final LongSupplier nanoTime;
    private final Runnable onRefused;
    /** Tokens, in billionths of a stream (so that a rate in streams a second adds whole units per nanosecond). */
    private long tokens;

    private long refilledAt;

    StreamAdmission(XdsAdmission settings, LongSupplier nanoTime, Runnable onRefused) {
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.onRefused = onRefused;
        this.refilledAt = nanoTime.getAsLong();
        this.tokens = (long) settings.burst() * SECOND;
    }

    /** Takes a token when there is one. */
    synchronized boolean admit() {
        long now = nanoTime.getAsLong();
        long elapsed = Math.max(0, now - refilledAt);
        refilledAt = now;
        long cap = (long) settings.burst() * SECOND;
        // Capping the elapsed time keeps the product within a long at the config's bounds (XdsAdmission).
        tokens = Math.min(cap, tokens + Math.min(cap, elapsed) * settings.streamsPerSecond());
        if (tokens < SECOND) {
            return false;
        }
        tokens -= SECOND;
        return true;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!call.getMethodDescriptor().getServiceName().equals(XdsGrpcServer.ADS_SERVICE) || admit()) {
            return next.startCall(call, headers);
        }
        onRefused.run();
        call.close(
                Status.UNAVAILABLE.withDescription("xDS stream admission: this node admits "
                        + settings.streamsPerSecond() + " new streams a second (burst " + settings.burst()
                        + ", xds.admission); retry with backoff"),
                new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
