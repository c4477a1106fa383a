package dev.tandem.xds.translate;

import dev.tandem.xds.model.Gateway;
import dev.tandem.xds.model.Gateway.GatewayListener;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

/** Listeners: socket listeners for Envoy gateways, API listeners for proxyless gRPC node groups. */
final class ListenerBuilder {

    static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
    static final String ROUTER = "envoy.filters.http.router";

    private ListenerBuilder() {}

    static Listener socketListener(Gateway gateway, GatewayListener listener) {
        String name = ResourceNames.listener(gateway, listener);
        HttpConnectionManager hcm = connectionManager(name, ResourceNames.routeConfiguration(gateway)).toBuilder()
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .build();
        return Listener.newBuilder()
                .setName(name)
                .setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder()
                                .setAddress(listener.address())
                                .setPortValue(listener.port())))
                .addFilterChains(filterChain(listener, hcm))
                .build();
    }

    private static FilterChain filterChain(GatewayListener listener, HttpConnectionManager hcm) {
        FilterChain.Builder chain = FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName(HTTP_CONNECTION_MANAGER).setTypedConfig(EnvoyTypes.pack(hcm)));
        if (listener.protocol() == Gateway.ListenerProtocol.HTTPS) {
            chain.setTransportSocket(TlsBuilder.downstream(listener.certRef()));
        }
        return chain.build();
    }

    /** grpc-java and grpc-go refuse an API listener whose connection manager lacks the router filter. */
    static Listener apiListener(String host) {
        String name = ResourceNames.apiListener(host);
        return Listener.newBuilder()
                .setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(EnvoyTypes.pack(connectionManager(name, name))))
                .build();
    }

    private static HttpConnectionManager connectionManager(String statPrefix, String routeConfigurationName) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setRds(Rds.newBuilder().setConfigSource(ConfigSources.ADS).setRouteConfigName(routeConfigurationName))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(ROUTER)
                        .setTypedConfig(EnvoyTypes.pack(Router.getDefaultInstance())))
                .build();
    }
}
