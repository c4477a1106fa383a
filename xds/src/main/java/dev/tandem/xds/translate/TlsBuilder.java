package dev.tandem.xds.translate;

import dev.tandem.xds.model.Secret;
import dev.tandem.xds.model.Upstream;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;

/**
 * TLS transport sockets that name their certificates by SDS (over the same ADS stream), and the SDS
 * secrets themselves. A certificate renewed in the config then pushes one secret, not a cluster or
 * listener (which would drain connections).
 */
final class TlsBuilder {

    static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

    private TlsBuilder() {}

    static TransportSocket upstream(Upstream.Tls tls) {
        CommonTlsContext.Builder common =
                CommonTlsContext.newBuilder().setValidationContextSdsSecretConfig(sds(tls.caRef()));
        if (tls.mode() == Upstream.TlsMode.MUTUAL) {
            common.addTlsCertificateSdsSecretConfigs(sds(tls.certRef()));
        }
        UpstreamTlsContext.Builder context = UpstreamTlsContext.newBuilder().setCommonTlsContext(common);
        if (!tls.sni().isEmpty()) {
            context.setSni(tls.sni());
        }
        return TransportSocket.newBuilder()
                .setName(TLS_TRANSPORT_SOCKET)
                .setTypedConfig(EnvoyTypes.pack(context.build()))
                .build();
    }

    static TransportSocket downstream(String certRef) {
        DownstreamTlsContext context = DownstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificateSdsSecretConfigs(sds(certRef)))
                .build();
        return TransportSocket.newBuilder()
                .setName(TLS_TRANSPORT_SOCKET)
                .setTypedConfig(EnvoyTypes.pack(context))
                .build();
    }

    /** The SDS resource of a secret whose PEM the appliance has already read in. */
    static io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret secret(Secret s) {
        var out = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.newBuilder()
                .setName(s.name());
        switch (s.type()) {
            case CA ->
                out.setValidationContext(
                        CertificateValidationContext.newBuilder().setTrustedCa(inline(s.caPem())));
            case CERTIFICATE ->
                out.setTlsCertificate(TlsCertificate.newBuilder()
                        .setCertificateChain(inline(s.certificatePem()))
                        .setPrivateKey(inline(s.privateKeyPem())));
        }
        return out.build();
    }

    private static DataSource inline(String pem) {
        if (pem.isEmpty()) {
            throw new IllegalStateException("a secret's files must be read before translation");
        }
        return DataSource.newBuilder().setInlineString(pem).build();
    }

    private static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder()
                .setName(name)
                .setSdsConfig(ConfigSources.ADS)
                .build();
    }
}
