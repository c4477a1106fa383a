package dev.tandem.appliance.peers;

import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.pki.PeerIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets only peers call the peer port (ADR 0014 §4.2). The TLS handshake has already required a
 * client certificate chained to the cluster CA; here a call is refused ({@code not-a-peer},
 * PERMISSION_DENIED) unless that certificate carries {@code spiffe://<cluster>/peer/<name>} with this
 * cluster and a name that is another member. Data-plane identities are refused like any other. The
 * peer's identity goes to the call's handler in {@link #PEER}, which binds every frame to it.
 */
final class PeerAuthenticator implements ServerInterceptor {

    /** The authenticated peer of the current call. */
    static final Context.Key<PeerIdentity> PEER = Context.key("tandem-peer");

    private static final Logger LOG = LoggerFactory.getLogger(PeerAuthenticator.class);

    private final String cluster;
    private final String self;
    private final Set<String> members;
    private final CertificateTrust.Refusals refusals;

    /** @param members every other member: the names this port accepts */
    PeerAuthenticator(String cluster, String self, Set<String> members, CertificateTrust.Refusals refusals) {
        this.cluster = cluster;
        this.self = self;
        this.members = Set.copyOf(members);
        this.refusals = refusals;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        X509Certificate certificate =
                CertificateTrust.presented(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        Optional<PeerIdentity> peer = certificate == null ? Optional.empty() : PeerIdentity.of(certificate, cluster);
        String refusal = refusal(certificate, peer);
        if (refusal != null) {
            String detail = "a call from " + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) + ": " + refusal;
            refusals.refused("not-a-peer", detail);
            LOG.debug("peer port: refused (not-a-peer): {}", detail);
            call.close(Status.PERMISSION_DENIED.withDescription(refusal), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(PEER, peer.get()), call, headers, next);
    }

    /** Why the holder of {@code certificate} is not a peer of this node, or null when it is one. */
    private String refusal(X509Certificate certificate, Optional<PeerIdentity> peer) {
        if (certificate == null) {
            return "it presented no client certificate; the peer port takes only peers of cluster '" + cluster + "'";
        }
        String who = CertificateTrust.describe(certificate);
        if (peer.isEmpty()) {
            String carried = DataPlaneIdentity.of(certificate)
                    .map(dataPlane -> ", it is a data plane's (" + dataPlane.uri() + ")")
                    .or(() -> PeerIdentity.of(certificate).map(other -> ", it names " + other.uri()))
                    .orElse("");
            return who + " carries no peer identity of cluster '" + cluster + "' (URI SAN spiffe://" + cluster
                    + "/peer/<name>)" + carried + "; the peer port takes only peers";
        }
        String name = peer.get().name();
        if (name.equals(self)) {
            return who + " is this node's own (" + peer.get().uri() + "); a node does not peer with itself";
        }
        if (!members.contains(name)) {
            return who + " names '" + name + "' (" + peer.get().uri() + "), which is not a member of this cluster "
                    + "(members: " + members.stream().sorted().toList() + ")";
        }
        return null;
    }
}
