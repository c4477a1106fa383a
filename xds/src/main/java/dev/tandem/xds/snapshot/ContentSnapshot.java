package dev.tandem.xds.snapshot;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.ResourceVersionResolver;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * A java-control-plane snapshot whose every resource carries its content hash as its version
 * ({@link ContentVersion#ofResource}). {@code Snapshot.create} derives resource versions from
 * {@code Message.hashCode()}, which is not stable across processes: a Delta client failing over to a
 * peer would be sent everything again, and two changed resources can share a 32-bit hash.
 */
final class ContentSnapshot extends Snapshot {

    private final SnapshotResources<Cluster> clusters;
    private final SnapshotResources<ClusterLoadAssignment> endpoints;
    private final SnapshotResources<Listener> listeners;
    private final SnapshotResources<RouteConfiguration> routes;
    private final SnapshotResources<Secret> secrets;

    ContentSnapshot(
            GroupSnapshot.Versions versions,
            List<Cluster> clusters,
            List<ClusterLoadAssignment> endpoints,
            List<Listener> listeners,
            List<RouteConfiguration> routes,
            List<Secret> secrets) {
        this.clusters = resources(clusters, versions.clusters());
        this.endpoints = resources(endpoints, versions.endpoints());
        this.listeners = resources(listeners, versions.listeners());
        this.routes = resources(routes, versions.routes());
        this.secrets = resources(secrets, versions.secrets());
    }

    private static <T extends Message> SnapshotResources<T> resources(List<T> resources, String typeVersion) {
        List<VersionedResource<T>> versioned = resources.stream()
                .map(r -> VersionedResource.create(r, ContentVersion.ofResource(r)))
                .toList();
        // One version for the type whatever names are asked for: per-type versions (DESIGN.md).
        ResourceVersionResolver version = names -> typeVersion;
        return SnapshotResources.create(versioned, version);
    }

    @Override
    public SnapshotResources<Cluster> clusters() {
        return clusters;
    }

    @Override
    public SnapshotResources<ClusterLoadAssignment> endpoints() {
        return endpoints;
    }

    @Override
    public SnapshotResources<Listener> listeners() {
        return listeners;
    }

    @Override
    public SnapshotResources<RouteConfiguration> routes() {
        return routes;
    }

    @Override
    public SnapshotResources<Secret> secrets() {
        return secrets;
    }
}
