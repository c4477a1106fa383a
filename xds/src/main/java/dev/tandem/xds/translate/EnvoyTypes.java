package dev.tandem.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/** The Envoy message types Tandem emits, including those packed in {@link Any}: for printing and parsing them back. */
public final class EnvoyTypes {

    public static final JsonFormat.TypeRegistry REGISTRY = JsonFormat.TypeRegistry.newBuilder()
            .add(Listener.getDescriptor())
            .add(RouteConfiguration.getDescriptor())
            .add(Cluster.getDescriptor())
            .add(ClusterLoadAssignment.getDescriptor())
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .add(Bootstrap.getDescriptor())
            .add(UpstreamTlsContext.getDescriptor())
            .add(DownstreamTlsContext.getDescriptor())
            .add(Secret.getDescriptor())
            .build();

    private EnvoyTypes() {}

    /** Envoy's JSON form of a resource (proto field names, as in Envoy's own YAML). */
    public static String toJson(Message message) {
        try {
            return JsonFormat.printer()
                    .usingTypeRegistry(REGISTRY)
                    .preservingProtoFieldNames()
                    .print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(
                    "cannot print " + message.getDescriptorForType().getFullName(), e);
        }
    }

    /** Parses Envoy's JSON form strictly: an unknown field is an error, as in Envoy. */
    public static <T extends Message.Builder> T parseJson(String json, T builder)
            throws InvalidProtocolBufferException {
        JsonFormat.parser().usingTypeRegistry(REGISTRY).merge(json, builder);
        return builder;
    }

    public static Any pack(Message message) {
        return Any.pack(message);
    }
}
