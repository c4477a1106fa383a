package dev.tandem.appliance.dataplane;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tandem.xds.bootstrap.EnvoyBootstrap;
import dev.tandem.xds.bootstrap.XdsClientTls;
import dev.tandem.xds.bootstrap.XdsPeer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ADS bootstrap a data plane runs with when a control plane answers ({@code tandem bootstrap}
 * wrote it): it also says who the data plane is (node id and group), which peers to probe, and the
 * certificate files for mTLS to them.
 */
public record AdsBootstrapFile(
        Path file,
        String text,
        Bootstrap bootstrap,
        String nodeId,
        String nodeGroup,
        List<XdsPeer> peers,
        Optional<XdsClientTls> tls) {

    /** @throws IOException naming the file and what is missing from it */
    public static AdsBootstrapFile read(Path file) throws IOException {
        String text = Files.readString(file);
        Bootstrap bootstrap;
        try {
            bootstrap = EnvoyBootstrap.parseYaml(text);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new IOException(file + " is not an Envoy bootstrap: " + e.getMessage(), e);
        }
        Cluster xds = bootstrap.getStaticResources().getClustersList().stream()
                .filter(c -> c.getName().equals(EnvoyBootstrap.XDS_CLUSTER))
                .findFirst()
                .orElseThrow(() -> new IOException(file + " has no static cluster '" + EnvoyBootstrap.XDS_CLUSTER
                        + "' naming the Tandem peers (write it with tandem bootstrap)"));
        List<XdsPeer> peers = new ArrayList<>();
        xds.getLoadAssignment()
                .getEndpointsList()
                .forEach(locality -> locality.getLbEndpointsList().forEach(e -> {
                    var address = e.getEndpoint().getAddress().getSocketAddress();
                    String name = e.getEndpoint().getHostname().isEmpty()
                            ? address.getAddress()
                            : e.getEndpoint().getHostname();
                    peers.add(new XdsPeer(name, address.getAddress(), address.getPortValue()));
                }));
        if (peers.isEmpty()) {
            throw new IOException(file + ": cluster '" + EnvoyBootstrap.XDS_CLUSTER + "' lists no peer");
        }
        if (bootstrap.getNode().getCluster().isEmpty()) {
            throw new IOException(file + ": node.cluster (the node group) is empty");
        }
        Optional<XdsClientTls> tls = Optional.empty();
        if (xds.hasTransportSocket()) {
            try {
                CommonTlsContext common = xds.getTransportSocket()
                        .getTypedConfig()
                        .unpack(UpstreamTlsContext.class)
                        .getCommonTlsContext();
                tls = Optional.of(new XdsClientTls(
                        common.getValidationContext().getTrustedCa().getFilename(),
                        common.getTlsCertificates(0).getCertificateChain().getFilename(),
                        common.getTlsCertificates(0).getPrivateKey().getFilename()));
            } catch (InvalidProtocolBufferException | IndexOutOfBoundsException e) {
                throw new IOException(
                        file + ": the TLS settings of '" + EnvoyBootstrap.XDS_CLUSTER
                                + "' do not name a CA, certificate and key file",
                        e);
            }
        }
        return new AdsBootstrapFile(
                file,
                text,
                bootstrap,
                bootstrap.getNode().getId(),
                bootstrap.getNode().getCluster(),
                List.copyOf(peers),
                tls);
    }
}
