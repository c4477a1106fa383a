package dev.tandem.xds.translate;

import com.google.protobuf.UInt32Value;
import dev.tandem.xds.model.Upstream;
import dev.tandem.xds.model.Upstream.Endpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ClusterLoadAssignments. Upstream {@code i} of the list lands at priority {@code i}: a plain upstream
 * is priority 0 alone; a failover scheme is its primary at 0 and each failover upstream after it.
 */
final class LoadAssignmentBuilder {

    private LoadAssignmentBuilder() {}

    /** @param overprovisioningFactor set on the assignment when not {@code null} (failover schemes) */
    static ClusterLoadAssignment build(String clusterName, List<Upstream> byPriority, Integer overprovisioningFactor) {
        ClusterLoadAssignment.Builder assignment =
                ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
        if (overprovisioningFactor != null) {
            // Explicit even at Envoy's default, so the failover arithmetic reads in the config served.
            assignment.setPolicy(ClusterLoadAssignment.Policy.newBuilder()
                    .setOverprovisioningFactor(UInt32Value.of(overprovisioningFactor)));
        }
        for (int priority = 0; priority < byPriority.size(); priority++) {
            Map<Upstream.Locality, List<Endpoint>> byLocality = new TreeMap<>();
            for (Endpoint e : byPriority.get(priority).endpoints()) {
                byLocality.computeIfAbsent(e.locality(), l -> new ArrayList<>()).add(e);
            }
            for (Map.Entry<Upstream.Locality, List<Endpoint>> entry : byLocality.entrySet()) {
                assignment.addEndpoints(localityEndpoints(priority, entry.getKey(), entry.getValue()));
            }
        }
        return assignment.build();
    }

    /**
     * The locality weight is the sum of its endpoint weights, so a site's share follows its capacity.
     * It is always set: grpc-java silently drops localities without one ("no usable endpoint").
     */
    private static LocalityLbEndpoints localityEndpoints(
            int priority, Upstream.Locality locality, List<Endpoint> endpoints) {
        LocalityLbEndpoints.Builder out = LocalityLbEndpoints.newBuilder()
                .setPriority(priority)
                .setLocality(Locality.newBuilder()
                        .setRegion(locality.region())
                        .setZone(locality.zone())
                        .setSubZone(locality.subZone()));
        int weight = 0;
        for (Endpoint e : endpoints) {
            weight += e.weight();
            out.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                            .setAddress(Address.newBuilder()
                                    .setSocketAddress(SocketAddress.newBuilder()
                                            .setAddress(e.address())
                                            .setPortValue(e.port()))))
                    .setLoadBalancingWeight(UInt32Value.of(e.weight()))
                    .setHealthStatus(e.draining() ? HealthStatus.DRAINING : HealthStatus.UNKNOWN));
        }
        return out.setLoadBalancingWeight(UInt32Value.of(weight)).build();
    }
}
