package dev.tandem.appliance.peers;

import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.PeerIdentity;
import dev.tandem.peers.PeerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer link of ADR 0014 §4.1: grpc-java's Netty server on a port of its own, and one channel to
 * every other member. Every node dials every other; a message to a member goes on the stream this
 * node opened to it, and what the member sends arrives on the stream it opened to this node
 * ({@link PeerExchange}). Both ends check identities (§4.2): the TLS handshake requires a chain to the
 * cluster CA both ways, the dialling side requires the dialled member's peer identity
 * ({@link DialledPeerTrust}), the port requires a member's ({@link PeerAuthenticator}) and binds every
 * frame to it ({@link PeerInbound}). Each refusal goes to the refusal sink with its §4.5 reason
 * ({@code unknown-ca}, {@code not-a-peer}, {@code truncated}; the certificate checks' own reasons for an
 * expired or missing certificate); the sink counts and logs them (the appliance's RefusalLog).
 *
 * <p>A link is up while streams run both ways ({@link MemberLink}), and each change is reported once
 * to the receiver, from the link's own thread; messages are delivered on gRPC's threads, in order per
 * stream. A message may arrive before its link is reported up. Nothing is reported before
 * {@link #open}: the port turns streams away until then (UNAVAILABLE), and peers dial again.
 */
public final class GrpcPeerLink implements PeerTransport {

    /** Clients ping every 10 s (grpc-java's floor, {@link MemberLink#KEEPALIVE_SECONDS}): allowed with room. */
    private static final long PERMITTED_PING_SECONDS = 5;

    private static final long CLOSE_WAIT_SECONDS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(GrpcPeerLink.class);

    /** Where a member's peer port is dialled, or where this node's listens. */
    public record Address(String host, int port) {
        public Address {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("a peer link address needs a host");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("a peer link port is 0 to 65535, not " + port);
            }
        }

        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /**
     * What the link needs.
     *
     * @param members    every other member by name: the names the port accepts and this node dials
     * @param addresses  where members are dialled; a member without one is dialled once {@link #address} gives it
     * @param listen     this node's peer port (port 0: any free one, see {@link #port})
     * @param serverKeys this node's key and server certificate ({@code TlsContexts.keyManager}), which carries its
     *                   peer identity; presented on the port and as the client certificate when dialling
     * @param ca         the cluster CA: the only anchor, both ways
     * @param refusals   each refusal, with its reason: counted and logged by the sink
     * @param alerts     how a refused client certificate becomes a TLS alert (the appliance's OpenSslAlerts)
     */
    public record Settings(
            String cluster,
            String self,
            Set<String> members,
            Map<String, Address> addresses,
            Address listen,
            X509KeyManager serverKeys,
            X509Certificate ca,
            CertificateTrust.Refusals refusals,
            CertificateTrust.Alerts alerts) {
        public Settings {
            members = Set.copyOf(members);
            addresses = Map.copyOf(addresses);
            if (members.contains(self)) {
                throw new IllegalArgumentException(
                        "the peer link's members are the other members; '" + self + "' is this node");
            }
            for (String name : addresses.keySet()) {
                if (!members.contains(name)) {
                    throw new IllegalArgumentException(
                            "a peer link address for '" + name + "', which is not a member (members: "
                                    + members.stream().sorted().toList() + ")");
                }
            }
            // A name that cannot form a peer identity fails here, not in every handshake.
            new PeerIdentity(cluster, self);
            members.forEach(name -> new PeerIdentity(cluster, name));
        }
    }

    private final Settings settings;
    private final Server server;
    private final ScheduledExecutorService thread;
    private final Map<String, MemberLink> members;
    private volatile Receiver receiver;

    private GrpcPeerLink(Settings settings, ScheduledExecutorService thread, Map<String, MemberLink> members)
            throws IOException {
        this.settings = settings;
        this.thread = thread;
        this.members = members;
        // Bound last: the port's calls read the fields above (and the receiver, null until open).
        this.server = listen(
                settings,
                new PeerInbound(
                        settings.cluster(), settings.self(), () -> this.receiver, inbound(), settings.refusals()));
    }

    /**
     * Listens on the peer port; dials nobody before {@link #open}.
     *
     * @throws IOException naming the address, when the port cannot be bound
     */
    public static GrpcPeerLink start(Settings settings) throws IOException {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-peer-link");
            t.setDaemon(true);
            return t;
        });
        Map<String, MemberLink> members = new TreeMap<>();
        for (String name : settings.members()) {
            members.put(
                    name,
                    new MemberLink(
                            new PeerIdentity(settings.cluster(), name),
                            settings.addresses().get(name),
                            settings.serverKeys(),
                            settings.ca(),
                            settings.refusals(),
                            thread));
        }
        try {
            return new GrpcPeerLink(settings, thread, Map.copyOf(members));
        } catch (IOException | RuntimeException e) {
            thread.shutdownNow();
            throw e;
        }
    }

    /** The port the peer link listens on (the one bound, when the settings said 0). */
    public int port() {
        return server.getPort();
    }

    /** Dials {@code member} at {@code address} from now on; a stream at its old address ends at once. */
    public void address(String member, Address address) {
        MemberLink link = member(member);
        post(() -> link.address(address));
    }

    @Override
    public synchronized void open(Receiver receiver) {
        if (this.receiver != null) {
            throw new IllegalStateException("the peer link of '" + settings.self() + "' is already open");
        }
        this.receiver = receiver;
        thread.execute(() -> members.values().forEach(link -> link.open(receiver)));
        LOG.info(
                "peer link of '{}' (cluster '{}') on {}:{}, to {}",
                settings.self(),
                settings.cluster(),
                settings.listen().host(),
                port(),
                settings.members().stream().sorted().toList());
    }

    /** Never blocks: a message to a member whose link is not writable, or whose queue is full, is dropped. */
    @Override
    public void send(String to, PeerMessage message) {
        MemberLink link = members.get(to);
        if (link == null) {
            LOG.warn(
                    "peer link: a {} to '{}', which is not a member ({}), is dropped",
                    message.getClass().getSimpleName(),
                    to,
                    settings.members().stream().sorted().toList());
            return;
        }
        link.send(message);
    }

    /** Messages to {@code member} dropped so far (the protocol resends by its own timers). */
    public long dropped(String member) {
        return member(member).dropped();
    }

    /** Ends every stream and the port, and waits a few seconds for them; reports no link changes. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            // The members stop first, on their thread: the streams the port's shutdown ends are not reported.
            thread.submit(() -> members.values().forEach(link -> {
                        ManagedChannel channel = link.stop();
                        if (channel != null) {
                            channels.add(channel);
                        }
                    }))
                    .get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("peer link of '{}': its streams did not stop in time: {}", settings.self(), e.toString());
        } catch (RejectedExecutionException closedBefore) {
            // Closed before: the members are stopped already.
        }
        server.shutdownNow();
        try {
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            server.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            thread.shutdownNow();
        }
    }

    private MemberLink member(String name) {
        MemberLink link = members.get(name);
        if (link == null) {
            throw new IllegalArgumentException("'" + name + "' is not a member of the peer link of '" + settings.self()
                    + "' (members: " + settings.members().stream().sorted().toList() + ")");
        }
        return link;
    }

    /** Streams members opened to this node, counted on the link's thread. */
    private PeerInbound.Streams inbound() {
        return new PeerInbound.Streams() {
            @Override
            public void opened(String peer) {
                post(() -> members.get(peer).inboundOpened());
            }

            @Override
            public void closed(String peer) {
                post(() -> members.get(peer).inboundClosed());
            }
        };
    }

    private void post(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closing) {
            // The link is closing: streams end anyway.
        }
    }

    private static Server listen(Settings settings, PeerInbound exchange) throws IOException {
        // The handshake's refusals by the §4.5 name: a chain from another CA is unknown-ca on this port.
        CertificateTrust.Refusals handshake = (reason, detail) ->
                settings.refusals().refused(reason.equals("untrusted-certificate") ? "unknown-ca" : reason, detail);
        ServerCredentials credentials = TlsServerCredentials.newBuilder()
                .keyManager(settings.serverKeys())
                .trustManager(new CertificateTrust(settings.ca(), handshake, Clock.systemUTC(), settings.alerts()))
                // REQUIRE, not OPTIONAL as on the xDS port: only peers ever call here, and they always present one.
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
        PeerAuthenticator authenticator =
                new PeerAuthenticator(settings.cluster(), settings.self(), settings.members(), settings.refusals());
        Address listen = settings.listen();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(listen.host(), listen.port()), credentials)
                .addService(ServerInterceptors.intercept(PeerExchange.service(exchange), authenticator))
                .maxInboundMessageSize(PeerExchange.MAX_FRAME_BYTES)
                .keepAliveTime(MemberLink.KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(MemberLink.KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveTime(PERMITTED_PING_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
        try {
            return server.start();
        } catch (IOException e) {
            throw new IOException("cannot listen for peers on " + listen + ": " + e.getMessage(), e);
        }
    }
}
