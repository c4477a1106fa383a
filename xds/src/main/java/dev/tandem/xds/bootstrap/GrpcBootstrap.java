package dev.tandem.xds.bootstrap;

import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bootstrap for proxyless gRPC clients (grpc-java, grpc-go, grpc-js...): every Tandem peer as an
 * xDS server, in order (gRPC falls back to the next when one is unreachable), and the node's
 * locality, which grpc-js requires.
 */
public final class GrpcBootstrap {

    private GrpcBootstrap() {
    }

    /** @param channelCreds the {@code channel_creds} type to the peers: {@code insecure} until mTLS */
    public static String json(String nodeId, String nodeGroup, String region, String zone, List<XdsPeer> peers,
                              String channelCreds) {
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("a bootstrap needs at least one Tandem peer");
        }
        List<Object> servers = new ArrayList<>();
        for (XdsPeer peer : peers.stream().sorted(java.util.Comparator.comparing(XdsPeer::name)).toList()) {
            Map<String, Object> server = new LinkedHashMap<>();
            String host = peer.address().contains(":") ? "[" + peer.address() + "]" : peer.address();
            server.put("server_uri", host + ":" + peer.port());
            server.put("channel_creds", List.of(Map.of("type", channelCreds)));
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
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n";
    }
}
