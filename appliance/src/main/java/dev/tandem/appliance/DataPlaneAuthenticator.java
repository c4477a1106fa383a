package dev.tandem.appliance;

import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds every call on the xDS port to the client certificate of its connection. The TLS handshake
 * has already checked the chain and the validity window ({@link CertificateTrust}); here a call is
 * refused when the connection presented no certificate, when the certificate carries no Tandem
 * identity or is revoked, and a discovery stream is ended when its node asks for a node group
 * ({@code node.cluster}) other than its certificate's (a node never receives another group's config)
 * or names a node id ({@code node.id}) other than its certificate's (a node never clears or poisons
 * another's NACK state, status or rollout halt).
 * Streams whose certificate is revoked or expires while they run are ended too ({@link #sweep}).
 */
final class DataPlaneAuthenticator implements ServerInterceptor {

    private final String cluster;
    private final IssuedCertificates certificates;
    private final CertificateTrust.Refusals refusals;
    private final Clock clock;
    private final Map<GuardedCall<?, ?>, X509Certificate> streams = new ConcurrentHashMap<>();

    DataPlaneAuthenticator(
            String cluster, IssuedCertificates certificates, CertificateTrust.Refusals refusals, Clock clock) {
        this.cluster = cluster;
        this.certificates = certificates;
        this.refusals = refusals;
        this.clock = clock;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        X509Certificate certificate =
                CertificateTrust.presented(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (certificate == null) {
            return refuse(
                    call,
                    Status.UNAUTHENTICATED,
                    "no-client-certificate",
                    "a connection from "
                            + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
                            + " presented no client certificate; the xDS port "
                            + "requires one issued by the cluster CA (a data plane gets one with a join token: tandem token create). "
                            + "TLS clients that pick a certificate by issuer present none issued by another CA.");
        }
        DataPlaneIdentity identity = DataPlaneIdentity.of(certificate, cluster).orElse(null);
        if (identity == null) {
            return refuse(
                    call,
                    Status.PERMISSION_DENIED,
                    "no-identity",
                    CertificateTrust.describe(certificate)
                            + " carries no data-plane identity of cluster '" + cluster + "' (URI SAN spiffe://"
                            + cluster
                            + "/group/<group>/node/<id>)");
        }
        if (certificates.isRevoked(certificate.getSerialNumber())) {
            return refuse(
                    call,
                    Status.PERMISSION_DENIED,
                    "revoked-certificate",
                    CertificateTrust.describe(certificate) + " of " + identity.uri() + " is revoked");
        }
        GuardedCall<Q, R> guarded = new GuardedCall<>(call);
        streams.put(guarded, certificate);
        ServerCall.Listener<Q> delegate = next.startCall(guarded, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean nodeSeen;

            @Override
            public void onMessage(Q message) {
                if (message instanceof DiscoveryRequest || message instanceof DeltaDiscoveryRequest) {
                    Node node = node(message);
                    String reason = null;
                    String refusal = null;
                    if (node == null && !nodeSeen) {
                        reason = "missing-node";
                        refusal = "the first request on a stream must name its node (node.id, node.cluster); "
                                + identity.uri() + " sent none";
                    } else if (node != null && !node.getCluster().equals(identity.nodeGroup())) {
                        reason = "group-mismatch";
                        refusal = "node '" + node.getId() + "' asks for node group '" + node.getCluster()
                                + "' but its certificate is for '" + identity.nodeGroup() + "' (" + identity.uri()
                                + ")";
                    } else if (node != null && !node.getId().equals(identity.nodeId())) {
                        // NACK state, status and rollout halts are per node id: one node must not speak for another.
                        reason = "node-id-mismatch";
                        refusal = "node id '" + node.getId() + "' is not the node id '" + identity.nodeId() + "' its "
                                + CertificateTrust.describe(certificate) + " names (" + identity.uri()
                                + "); each data plane needs a certificate of its own (join with --node-id "
                                + node.getId() + ")";
                    }
                    if (refusal != null) {
                        refusals.refused(reason, refusal);
                        guarded.end(Status.PERMISSION_DENIED.withDescription(refusal));
                        return;
                    }
                    nodeSeen |= node != null;
                }
                super.onMessage(message);
            }

            @Override
            public void onComplete() {
                streams.remove(guarded);
                if (guarded.ended()) {
                    // The service saw no end of the request stream: tell it the call is gone, so it releases its
                    // watches.
                    super.onCancel();
                } else {
                    super.onComplete();
                }
            }

            @Override
            public void onCancel() {
                streams.remove(guarded);
                super.onCancel();
            }
        };
    }

    /**
     * Ends the streams whose certificate was revoked or has expired since they started; run every
     * few seconds and at once after a revocation.
     */
    void sweep() {
        Instant now = clock.instant();
        streams.forEach((call, certificate) -> {
            String reason = null;
            String detail = null;
            if (certificates.isRevoked(certificate.getSerialNumber())) {
                reason = "revoked-certificate";
                detail = CertificateTrust.describe(certificate) + " was revoked; its stream is ended";
            } else if (!now.isBefore(certificate.getNotAfter().toInstant())) {
                reason = "expired-certificate";
                detail = CertificateTrust.describe(certificate) + " expired at "
                        + certificate.getNotAfter().toInstant() + "; its stream is ended";
            }
            if (reason != null && call.end(Status.PERMISSION_DENIED.withDescription(detail))) {
                refusals.refused(reason, detail);
            }
        });
    }

    /** Streams bound to a certificate right now. */
    int streams() {
        return streams.size();
    }

    private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String reason, String detail) {
        refusals.refused(reason, detail);
        call.close(status.withDescription(detail), new Metadata());
        return new ServerCall.Listener<>() {};
    }

    /** The node a discovery request names, or null when it names none. */
    private static Node node(Object message) {
        if (message instanceof DiscoveryRequest request) {
            return request.hasNode() ? request.getNode() : null;
        }
        if (message instanceof DeltaDiscoveryRequest request) {
            return request.hasNode() ? request.getNode() : null;
        }
        return null;
    }
}
