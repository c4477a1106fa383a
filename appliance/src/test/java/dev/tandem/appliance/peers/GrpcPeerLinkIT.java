package dev.tandem.appliance.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.appliance.peers.GrpcPeerLink.Address;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.appliance.testing.LogCapture;
import dev.tandem.appliance.testing.TestPki;
import dev.tandem.appliance.testing.TestPki.ClientCertificate;
import dev.tandem.peers.Checksum;
import dev.tandem.peers.Header;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.PeerMessage;
import dev.tandem.peers.PeerMessage.Ack;
import dev.tandem.peers.PeerMessage.Entries;
import dev.tandem.peers.PeerMessage.Heartbeat;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The peer link on real ports (127.0.0.1, port 0) with certificates of one test CA: links come up
 * both ways and carry messages in order, and what is not a peer, or a frame that breaks the rules,
 * is refused with its reason and never delivered.
 */
class GrpcPeerLinkIT {

    private static final String CLUSTER = TestPki.CLUSTER;
    private static final Duration RECONNECT = Duration.ofSeconds(20);
    private static final ClientCertificate A = TestPki.peer("a");
    private static final ClientCertificate B = TestPki.peer("b");
    private static final ClientCertificate C = TestPki.peer("c");

    private final List<AutoCloseable> started = new ArrayList<>();

    /** What one node's link reports: link changes, messages and refusals, in order. */
    private static final class Node implements PeerTransport.Receiver, CertificateTrust.Refusals {
        record Delivery(String from, PeerMessage message) {}

        record Refusal(String reason, String detail) {}

        final List<String> links = new CopyOnWriteArrayList<>();
        final List<Delivery> received = new CopyOnWriteArrayList<>();
        final List<Refusal> refusals = new CopyOnWriteArrayList<>();
        /** While closed, the first delivery holds gRPC's thread: the node stops reading its streams. */
        final CountDownLatch reading = new CountDownLatch(1);

        volatile boolean holding;

        @Override
        public void received(String from, PeerMessage message) {
            received.add(new Delivery(from, message));
            if (holding) {
                try {
                    reading.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void linkChanged(String peer, boolean up) {
            links.add(peer + (up ? " up" : " down"));
        }

        @Override
        public void refused(String reason, String detail) {
            refusals.add(new Refusal(reason, detail));
        }
    }

    @AfterEach
    void stopEverythingStarted() throws Exception {
        Collections.reverse(started);
        for (AutoCloseable closeable : started) {
            closeable.close();
        }
    }

    @Test
    void twoPeersComeUpBothWaysAndExchangeMessagesInOrder() throws Exception {
        Node a = new Node();
        Node b = new Node();
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        GrpcPeerLink linkA = start("a", Map.of("b", local(linkB.port())), A, a);
        linkB.address("a", local(linkA.port()));
        linkA.open(a);
        linkB.open(b);

        await().until(() -> a.links.equals(List.of("b up")) && b.links.equals(List.of("a up")));
        List<PeerMessage> toB = IntStream.range(0, 50)
                .mapToObj(i -> (PeerMessage) heartbeat("a", i))
                .toList();
        toB.forEach(message -> linkA.send("b", message));
        Ack toA = new Ack(header("b"), 41, Checksum.genesis(CLUSTER), true);
        linkB.send("a", toA);

        await().until(() -> b.received.size() == toB.size() && a.received.size() == 1);
        assertThat(b.received).extracting(Node.Delivery::from).containsOnly("a");
        assertThat(b.received).extracting(Node.Delivery::message).containsExactlyElementsOf(toB);
        assertThat(a.received).containsExactly(new Node.Delivery("b", toA));
        assertThat(a.refusals).isEmpty();
        assertThat(b.refusals).isEmpty();
        assertThat(linkA.dropped("b")).isZero();
    }

    @Test
    void sendsToAPeerThatStopsReadingNeverBlockAndWhatDoesNotFitIsDropped() throws Exception {
        Node a = new Node();
        Node b = new Node();
        b.holding = true;
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        GrpcPeerLink linkA = start("a", Map.of("b", local(linkB.port())), A, a);
        linkB.address("a", local(linkA.port()));
        linkA.open(a);
        linkB.open(b);
        await().until(() -> a.links.equals(List.of("b up")));
        byte[] payload = new byte[256 * 1024];
        List<PeerMessage> sent = new ArrayList<>();
        try {
            // b holds its first delivery: HTTP/2 flow control stops a's stream, then a's queue fills.
            for (int i = 0; i < 300; i++) {
                PeerMessage entries = new Entries(
                        header("a"),
                        0,
                        Checksum.genesis(CLUSTER),
                        List.of(LogEntry.create(Checksum.genesis(CLUSTER), 3, 1, "test", 0, payload)),
                        i,
                        1);
                sent.add(entries);
                linkA.send("b", entries);
            }
            assertThat(linkA.dropped("b")).isPositive();
        } finally {
            b.reading.countDown();
        }

        long delivered = sent.size() - linkA.dropped("b");
        await().until(() -> b.received.size() == delivered);
        assertThat(b.received)
                .extracting(delivery -> ((Entries) delivery.message()).commitIndex())
                .isSorted()
                .doesNotHaveDuplicates();
        assertThat(a.links).containsExactly("b up");
    }

    @Test
    void aStreamTurnedAwayIsOpenedAgainAndSendsWhileDownAreDropped() throws Exception {
        Node a = new Node();
        Node b = new Node();
        try (LogCapture log = LogCapture.start()) {
            GrpcPeerLink linkB = start("b", Map.of(), B, b);
            GrpcPeerLink linkA = start("a", Map.of("b", local(linkB.port())), A, a);
            linkB.address("a", local(linkA.port()));
            linkA.open(a);
            // b is not open yet: it turns a's stream away, and a opens it again after its backoff.
            await().until(() -> log.lines().stream().anyMatch(line -> line.contains("is not open yet")));
            linkA.send("b", heartbeat("a", 1));
            assertThat(linkA.dropped("b")).isEqualTo(1);

            linkB.open(b);

            await().atMost(RECONNECT).until(() -> a.links.equals(List.of("b up")) && b.links.equals(List.of("a up")));
            linkA.send("b", heartbeat("a", 2));
            await().until(() -> b.received.size() == 1);
            assertThat(b.received.get(0).message()).isEqualTo(heartbeat("a", 2));
        }
    }

    @Test
    void aLinkGoesDownWhenItsPeerStopsAndUpWhenAPeerTakesItsPlace() throws Exception {
        Node a = new Node();
        Node b = new Node();
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        GrpcPeerLink linkA = start("a", Map.of("b", local(linkB.port())), A, a);
        linkB.address("a", local(linkA.port()));
        linkA.open(a);
        linkB.open(b);
        await().until(() -> a.links.equals(List.of("b up")));

        linkB.close();
        await().atMost(RECONNECT).until(() -> a.links.equals(List.of("b up", "b down")));
        linkA.send("b", heartbeat("a", 1));
        assertThat(linkA.dropped("b")).isEqualTo(1);

        Node b2 = new Node();
        GrpcPeerLink linkB2 = start("b", Map.of("a", local(linkA.port())), B, b2);
        linkB2.open(b2);
        linkA.address("b", local(linkB2.port()));

        await().atMost(RECONNECT).until(() -> a.links.equals(List.of("b up", "b down", "b up")));
        await().until(() -> b2.links.equals(List.of("a up")));
        linkA.send("b", heartbeat("a", 2));
        await().until(() -> b2.received.size() == 1);
        assertThat(b.received).isEmpty();
        assertThat(a.refusals).isEmpty();
    }

    @Test
    void aClientOfAnotherCaIsRefusedInTheHandshake() throws Exception {
        Node b = new Node();
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        linkB.open(b);
        ClientCertificate stranger = TestPki.fromStranger("a", "g");

        Status status = exchange(linkB.port(), TestPki.credentials(stranger.certificate(), stranger.key()));

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        await().until(() -> !b.refusals.isEmpty());
        assertThat(b.refusals)
                .singleElement()
                .satisfies(refusal -> assertThat(refusal.reason()).isEqualTo("unknown-ca"))
                .satisfies(refusal -> assertThat(refusal.detail()).contains("does not chain to the cluster CA"));
        assertThat(b.links).isEmpty();

        // TLS itself requires a certificate: the client hears certificate_required; nothing reaches the sink.
        Status without = exchange(linkB.port(), TestPki.withoutCertificate());
        assertThat(without.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(String.valueOf(without.getCause())).contains("CERTIFICATE_REQUIRED");
        assertThat(b.refusals).hasSize(1);
    }

    @Test
    void aDataPlaneCertificateIsNotAPeer() throws Exception {
        Node b = new Node();
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        linkB.open(b);

        Status status = exchange(linkB.port(), TestPki.dataPlane("n", "g").credentials(), frame("a"));

        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).contains("it is a data plane's (spiffe://tandem/group/g/node/n)");
        assertThat(b.refusals).singleElement().satisfies(refusal -> {
            assertThat(refusal.reason()).isEqualTo("not-a-peer");
            assertThat(refusal.detail()).contains("carries no peer identity of cluster 'tandem'");
        });
        assertThat(b.received).isEmpty();
        assertThat(b.links).isEmpty();
    }

    @Test
    void aPeerThatIsNotAMemberOfThisClusterIsRefused() throws Exception {
        Node b = new Node();
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        linkB.open(b);

        Status stranger = exchange(linkB.port(), TestPki.peer("zed").credentials(), frame("zed"));
        Status otherCluster = exchange(
                linkB.port(),
                TestPki.serverAndClient("spiffe://other/peer/a", "a").credentials(),
                frame("a"));
        Status itself = exchange(linkB.port(), B.credentials(), frame("b"));

        assertThat(List.of(stranger, otherCluster, itself))
                .extracting(Status::getCode)
                .containsOnly(Status.Code.PERMISSION_DENIED);
        assertThat(stranger.getDescription()).contains("names 'zed'", "which is not a member", "members: [a]");
        assertThat(otherCluster.getDescription()).contains("it names spiffe://other/peer/a");
        assertThat(itself.getDescription()).contains("a node does not peer with itself");
        assertThat(b.refusals)
                .extracting(Node.Refusal::reason)
                .containsExactly("not-a-peer", "not-a-peer", "not-a-peer");
        assertThat(b.received).isEmpty();
    }

    @Test
    void aFrameFromAnotherSenderOrClusterThanItsCertificateIsRefusedAndNotDelivered() throws Exception {
        Node b = new Node();
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        linkB.open(b);

        Status otherSender = exchange(linkB.port(), A.credentials(), frame("a"), frame("c"), frame("a"));
        Status otherCluster = exchange(
                linkB.port(),
                A.credentials(),
                PeerWire.encode(
                        new Heartbeat(new Header("other", 3, "a", 0), 1, 1, true, null, Heartbeat.NOT_STREAMING)));

        assertThat(otherSender.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(otherSender.getDescription())
                .isEqualTo("spiffe://tandem/peer/a sent a Heartbeat from 'c'; a peer speaks only for the name its "
                        + "certificate carries");
        assertThat(otherCluster.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(otherCluster.getDescription()).contains("of cluster 'other', not 'tandem'");
        assertThat(b.refusals).extracting(Node.Refusal::reason).containsExactly("not-a-peer", "not-a-peer");
        // The frame before the refused one was delivered; the refused one and everything after it were not.
        assertThat(b.received).containsExactly(new Node.Delivery("a", heartbeat("a", 7)));
    }

    @Test
    void aMalformedFrameIsRefusedAsTruncatedAndNotDelivered() throws Exception {
        Node b = new Node();
        GrpcPeerLink linkB = start("b", Map.of(), B, b);
        linkB.open(b);
        byte[] whole = frame("a");

        Status garbage = exchange(linkB.port(), A.credentials(), "not cbor at all".getBytes(StandardCharsets.UTF_8));
        Status cut = exchange(linkB.port(), A.credentials(), Arrays.copyOf(whole, whole.length - 5));

        assertThat(List.of(garbage, cut)).extracting(Status::getCode).containsOnly(Status.Code.INVALID_ARGUMENT);
        assertThat(cut.getDescription()).startsWith("spiffe://tandem/peer/a sent a frame refused whole: ");
        assertThat(b.refusals).extracting(Node.Refusal::reason).containsExactly("truncated", "truncated");
        assertThat(b.received).isEmpty();
    }

    @Test
    void theDialledMemberMustPresentItsOwnPeerIdentity() throws Exception {
        // At b's address a node that is c; at c's address a server with a data plane's certificate.
        Node impostor = new Node();
        GrpcPeerLink asC = start("c", Map.of(), C, impostor, Set.of("a"));
        asC.open(impostor);
        Node dataPlane = new Node();
        ClientCertificate dataPlaneCertificate = TestPki.serverAndClient("spiffe://tandem/group/g/node/n", "n");
        GrpcPeerLink asDataPlane = start("d", Map.of(), dataPlaneCertificate, dataPlane, Set.of("a"));
        asDataPlane.open(dataPlane);
        Node a = new Node();
        GrpcPeerLink linkA =
                start("a", Map.of("b", local(asC.port()), "c", local(asDataPlane.port())), A, a, Set.of("b", "c"));

        linkA.open(a);

        await().until(() ->
                a.refusals.stream().map(Node.Refusal::detail).distinct().count() == 2);
        assertThat(a.refusals).extracting(Node.Refusal::reason).containsOnly("not-a-peer");
        assertThat(a.refusals)
                .extracting(Node.Refusal::detail)
                .anySatisfy(detail -> assertThat(detail)
                        .startsWith("member 'b' dialled at 127.0.0.1:" + asC.port() + " presented certificate")
                        .endsWith("which carries spiffe://tandem/peer/c, not spiffe://tandem/peer/b"))
                .anySatisfy(detail -> assertThat(detail)
                        .startsWith("member 'c' dialled at 127.0.0.1:" + asDataPlane.port())
                        .endsWith("which carries no peer identity, not spiffe://tandem/peer/c"));
        linkA.send("b", heartbeat("a", 1));
        assertThat(linkA.dropped("b")).isEqualTo(1);
        assertThat(a.links).isEmpty();
        assertThat(impostor.received).isEmpty();
        assertThat(dataPlane.received).isEmpty();
    }

    private GrpcPeerLink start(String self, Map<String, Address> addresses, ClientCertificate certificate, Node node)
            throws IOException {
        return start(self, addresses, certificate, node, Set.of(self.equals("a") ? "b" : "a"));
    }

    private GrpcPeerLink start(
            String self, Map<String, Address> addresses, ClientCertificate certificate, Node node, Set<String> members)
            throws IOException {
        GrpcPeerLink link = GrpcPeerLink.start(new GrpcPeerLink.Settings(
                CLUSTER,
                self,
                members,
                addresses,
                local(0),
                TlsContexts.keyManager(certificate.key(), certificate.certificate(), TestPki.ca()),
                TestPki.ca(),
                node,
                (refused, engine) -> refused));
        started.add(link);
        return link;
    }

    /**
     * One {@code Exchange} call to the peer port at {@code port}, as a raw client: sends {@code frames}
     * as they are and returns the status the port ended the call with.
     */
    private static Status exchange(int port, ChannelCredentials credentials, byte[]... frames) throws Exception {
        // The client checks the port's certificate by its host name, which names b (not the address dialled).
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port, credentials)
                .overrideAuthority("b.peers.test")
                .build();
        try {
            CompletableFuture<Status> closed = new CompletableFuture<>();
            ClientCall<byte[], byte[]> call = channel.newCall(PeerExchange.EXCHANGE, CallOptions.DEFAULT);
            call.start(
                    new ClientCall.Listener<>() {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            closed.complete(status);
                        }
                    },
                    new Metadata());
            for (byte[] frame : frames) {
                call.sendMessage(frame);
            }
            return closed.get(20, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Address local(int port) {
        return new Address("127.0.0.1", port);
    }

    private static Header header(String from) {
        return new Header(CLUSTER, 3, from, 1_764_655_200_000L);
    }

    private static Heartbeat heartbeat(String from, long commitIndex) {
        return new Heartbeat(header(from), commitIndex, commitIndex, true, null, Heartbeat.NOT_STREAMING);
    }

    /** A good frame from {@code from}: a heartbeat at commit index 7. */
    private static byte[] frame(String from) {
        return PeerWire.encode(heartbeat(from, 7));
    }
}
