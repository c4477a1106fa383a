package dev.tandem.appliance.peers;

import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.PeerIdentity;
import dev.tandem.peers.PeerMessage;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's link with one other member: the stream it opens to the member, which carries every
 * message this node sends it, and the count of streams the member opened to this node, which carry
 * what it sends back. The link is <em>up</em> while both directions are there: this node's stream was
 * accepted by the member (its TLS and identity checks passed and it answered with headers) and the
 * member has a stream open to this node. A request/response protocol needs both; either one breaking
 * takes the link down. Each change is reported once.
 *
 * <p>A stream that ends is opened again after a backoff (200 ms doubling to 5 s, back to 200 ms once
 * a stream is accepted). Sends never block: a bounded queue per member, drained as HTTP/2 flow control
 * allows ({@link ClientCall#isReady}); a message to a member whose stream is not accepted, or whose
 * queue is full, is dropped and counted, and what was queued when a stream ends is dropped too: the
 * protocol resends by its own timers.
 *
 * <p>Threads: {@link #send} and {@link #dropped} are for any thread. Everything else runs on the link's
 * one thread, which owns the channel, the stream and the state; gRPC's callbacks hand over to it.
 */
final class MemberLink {

    static final long FIRST_BACKOFF_MILLIS = 200;
    static final long MAX_BACKOFF_MILLIS = 5_000;
    /** Messages waiting for flow control per member; an Entries batch is at most 1 MiB. */
    static final int QUEUE = 64;
    /**
     * How often an idle connection is probed, and how long a probe may go unanswered. ADR 0014 asks for
     * 5 s; grpc-java 1.85 raises any keepalive time below 10 s to 10 s (KeepAliveManager), on clients and
     * servers alike, so 10 s it is: a dead peer is noticed within 15 s.
     */
    static final long KEEPALIVE_SECONDS = 10;

    static final long KEEPALIVE_TIMEOUT_SECONDS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(MemberLink.class);

    private final String member;
    private final ScheduledExecutorService thread;
    private final ChannelCredentials credentials;
    private final BlockingQueue<PeerMessage> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicBoolean drainPending = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    /** Whether {@link #send} may queue: this node's stream to the member is accepted. */
    private volatile boolean writable;
    /** Read by the handshake's refusal too. */
    private volatile GrpcPeerLink.Address address;

    private PeerTransport.Receiver receiver;
    private ManagedChannel channel;
    private ClientCall<byte[], byte[]> call;
    /** Tells the callbacks of an earlier stream from the current one's. */
    private long generation;

    private boolean accepted;
    private int inbound;
    private boolean reportedUp;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;
    private ScheduledFuture<?> retry;
    private String lastFailure;
    private boolean stopped;

    /**
     * @param address where the member is dialled; null until {@link #address} gives one
     * @param keys    this node's key and certificate, presented as its client certificate
     */
    MemberLink(
            PeerIdentity member,
            GrpcPeerLink.Address address,
            X509KeyManager keys,
            X509Certificate ca,
            CertificateTrust.Refusals refusals,
            ScheduledExecutorService thread) {
        this.member = member.name();
        this.address = address;
        this.thread = thread;
        this.credentials = TlsChannelCredentials.newBuilder()
                .keyManager(keys)
                .trustManager(new DialledPeerTrust(ca, member, () -> String.valueOf(this.address), refusals))
                .build();
    }

    /** Any thread, never blocks: queues {@code message} for the member's stream, or drops it. */
    void send(PeerMessage message) {
        if (!writable || !queue.offer(message)) {
            dropped.incrementAndGet();
            return;
        }
        if (drainPending.compareAndSet(false, true)) {
            post(this::drain);
        }
    }

    /** Messages dropped so far: the stream was not accepted, the queue was full, or the stream ended. */
    long dropped() {
        return dropped.get();
    }

    /** Starts dialling; links are reported to {@code receiver} from now on. */
    void open(PeerTransport.Receiver receiver) {
        this.receiver = receiver;
        update("");
        dial();
    }

    /** The member is dialled at {@code next} from now on: a stream at the old address ends at once. */
    void address(GrpcPeerLink.Address next) {
        address = next;
        if (channel != null) {
            endStream("its link address changed to " + next);
            channel.shutdownNow();
            channel = null;
        }
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        backoffMillis = FIRST_BACKOFF_MILLIS;
        dial();
    }

    void inboundOpened() {
        inbound++;
        update("");
    }

    void inboundClosed() {
        inbound--;
        update("the stream '" + member + "' opened to this node ended");
    }

    /** Ends everything without reporting; returns the channel to wait for, if there is one. */
    ManagedChannel stop() {
        stopped = true;
        writable = false;
        if (retry != null) {
            retry.cancel(false);
        }
        if (call != null) {
            call.cancel("this node's peer link is closing", null);
            call = null;
        }
        ManagedChannel stopping = channel;
        channel = null;
        if (stopping != null) {
            stopping.shutdownNow();
        }
        return stopping;
    }

    private void dial() {
        retry = null;
        if (stopped || receiver == null || address == null) {
            return;
        }
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress(address.host(), address.port(), credentials)
                    .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                    .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .keepAliveWithoutCalls(true)
                    .maxInboundMessageSize(PeerExchange.MAX_FRAME_BYTES)
                    .build();
        } else {
            // The channel backs off connecting on its own (up to 2 minutes); this link's backoff decides instead.
            channel.resetConnectBackoff();
        }
        long current = ++generation;
        call = channel.newCall(PeerExchange.EXCHANGE, CallOptions.DEFAULT);
        call.start(listener(current), new Metadata());
        // No request(): the member never sends on this stream; its messages come on the stream it opened.
    }

    private ClientCall.Listener<byte[]> listener(long stream) {
        return new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata headers) {
                post(() -> {
                    if (stream == generation && call != null) {
                        accepted();
                    }
                });
            }

            @Override
            public void onReady() {
                post(() -> {
                    if (stream == generation) {
                        drain();
                    }
                });
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                post(() -> {
                    if (stream == generation && call != null) {
                        ended(status);
                    }
                });
            }
        };
    }

    private void accepted() {
        accepted = true;
        writable = true;
        backoffMillis = FIRST_BACKOFF_MILLIS;
        lastFailure = null;
        LOG.info("peer link: '{}' at {} accepted this node's stream", member, address);
        update("");
        drain();
    }

    private void ended(Status status) {
        boolean wasAccepted = accepted;
        call = null;
        String why = describe(status);
        endStream("this node's stream to it ended: " + why);
        if (wasAccepted || !why.equals(lastFailure)) {
            LOG.info(
                    "peer link: the stream to '{}' at {} ended ({}); a new one in {} ms",
                    member,
                    address,
                    why,
                    backoffMillis);
        } else {
            LOG.debug("peer link: the stream to '{}' at {} ended again ({})", member, address, why);
        }
        lastFailure = why;
        if (!stopped) {
            retry = thread.schedule(this::dial, backoffMillis, TimeUnit.MILLISECONDS);
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
        }
    }

    /** The stream is gone (or going): nothing more is queued for it, and what was is dropped. */
    private void endStream(String why) {
        if (call != null) {
            generation++;
            call.cancel(why, null);
            call = null;
        }
        accepted = false;
        writable = false;
        List<PeerMessage> stale = new ArrayList<>();
        queue.drainTo(stale);
        dropped.addAndGet(stale.size());
        update(why);
    }

    private void drain() {
        drainPending.set(false);
        while (call != null && accepted && call.isReady()) {
            PeerMessage message = queue.poll();
            if (message == null) {
                return;
            }
            byte[] frame = PeerWire.encode(message);
            if (frame.length > PeerExchange.MAX_FRAME_BYTES) {
                // The member would end the stream over it: drop this one message, not everything behind it.
                LOG.warn(
                        "peer link: a {} of {} bytes to '{}' is over the {} bytes a frame may have; dropped",
                        message.getClass().getSimpleName(),
                        frame.length,
                        member,
                        PeerExchange.MAX_FRAME_BYTES);
                dropped.incrementAndGet();
                continue;
            }
            call.sendMessage(frame);
        }
    }

    private void update(String why) {
        boolean up = accepted && inbound > 0;
        if (receiver == null || stopped || up == reportedUp) {
            return;
        }
        reportedUp = up;
        if (up) {
            LOG.info("peer link to '{}' at {} is up (streams both ways)", member, address);
        } else {
            LOG.info("peer link to '{}' at {} is down: {}", member, address, why);
        }
        receiver.linkChanged(member, up);
    }

    private void post(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closing) {
            // The link is closing: nothing is delivered or reported any more.
        }
    }

    /** The status and what lies at its bottom (a refused certificate, a refused connection), on one line. */
    private static String describe(Status status) {
        StringBuilder text = new StringBuilder(status.getCode().name());
        if (status.getDescription() != null) {
            // gRPC appends the Netty pipeline on further lines: not for an operator.
            text.append(": ").append(status.getDescription().lines().findFirst().orElse(""));
        }
        Throwable root = status.getCause();
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != null && root.getMessage() != null) {
            text.append(" (").append(root.getMessage()).append(')');
        }
        return text.toString();
    }
}
