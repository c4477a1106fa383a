package dev.tandem.xds.bootstrap;

import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A bootstrap for proxyless gRPC clients (grpc-java, grpc-go, grpc-js...): every Tandem peer as an
 * xDS server, in order (gRPC falls back to the next when one is unreachable), and the node's
 * locality, which grpc-js requires.
 */
public final class GrpcBootstrap {

    private GrpcBootstrap() {}

    /**
     * @param tls the files for mTLS to the peers, as {@code channel_creds} of type {@code tls} with the
     *            file names gRFC A65 defines; empty for a peer that serves plaintext ({@code xds.insecure})
     */
    public static String json(
            String nodeId,
            String nodeGroup,
            String region,
            String zone,
            List<XdsPeer> peers,
            Optional<XdsClientTls> tls) {
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("a bootstrap needs at least one Tandem peer");
        }
        List<Object> servers = new ArrayList<>();
        for (XdsPeer peer :
                peers.stream().sorted(Comparator.comparing(XdsPeer::name)).toList()) {
            Map<String, Object> server = new LinkedHashMap<>();
            String host = peer.address().contains(":") ? "[" + peer.address() + "]" : peer.address();
            server.put("server_uri", host + ":" + peer.port());
            Map<String, Object> creds = new LinkedHashMap<>();
            creds.put("type", tls.isPresent() ? "tls" : "insecure");
            tls.ifPresent(t -> {
                Map<String, Object> files = new LinkedHashMap<>();
                files.put("ca_certificate_file", t.caFile());
                files.put("certificate_file", t.certificateFile());
                files.put("private_key_file", t.privateKeyFile());
                creds.put("config", files);
            });
            server.put("channel_creds", List.of(creds));
            server.put("server_features", List.of("xds_v3"));
            servers.add(server);
        }
        Map<String, Object> locality = new LinkedHashMap<>();
        locality.put("region", region);
        locality.put("zone", zone);
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("id", nodeId);
        node.put("cluster", nodeGroup);
        node.put("locality", locality);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("xds_servers", servers);
        root.put("node", node);
        return new GsonBuilder()
                        .setPrettyPrinting()
                        .disableHtmlEscaping()
                        .create()
                        .toJson(root) + "\n";
    }
}
