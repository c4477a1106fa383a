package dev.tandem.appliance.api;

import dev.tandem.xds.bootstrap.EnvoyBootstrap;
import dev.tandem.xds.bootstrap.GrpcBootstrap;
import dev.tandem.xds.bootstrap.XdsClientTls;
import dev.tandem.xds.bootstrap.XdsPeer;
import dev.tandem.xds.serve.XdsService;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/bootstrap?group=G[&node=ID][&format=envoy|grpc][&region=R&zone=Z]}: a data-plane
 * bootstrap that points at every peer of this Tandem cluster, as {@code tandem bootstrap} writes it.
 */
final class BootstrapService implements HttpService {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final List<XdsPeer> peers;
    private final XdsService xds;
    private final boolean xdsInsecure;

    BootstrapService(List<XdsPeer> peers, XdsService xds, boolean xdsInsecure) {
        this.peers = peers;
        this.xds = xds;
        this.xdsInsecure = xdsInsecure;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/bootstrap", this::bootstrap);
    }

    private void bootstrap(ServerRequest req, ServerResponse res) {
        String group = req.query().first("group").orElse("");
        String format = req.query().first("format").orElse("envoy");
        String node = req.query()
                .first("node")
                .orElse(group + "-" + Callers.origin(req).replace(':', '-'));
        String region = req.query().first("region").orElse("");
        String zone = req.query().first("zone").orElse("");
        // Where the data plane keeps its certificate files (tandem bootstrap --join writes them there).
        Optional<XdsClientTls> tls = xdsInsecure
                ? Optional.empty()
                : Optional.of(
                        XdsClientTls.in(Path.of(req.query().first("tlsDir").orElse(XdsClientTls.DEFAULT_DIR))));
        if (group.isEmpty()) {
            throw new ApiRefusal(
                    Status.BAD_REQUEST_400,
                    "invalid query parameter",
                    "group is required (the node group, node.cluster)");
        }
        for (String[] param : new String[][] {{"group", group}, {"node", node}}) {
            if (!NAME.matcher(param[1]).matches()) {
                throw new ApiRefusal(
                        Status.BAD_REQUEST_400,
                        "invalid query parameter",
                        param[0] + " '" + param[1] + "' must be 1 to 128 letters, digits, '.', '_', ':' or '-'");
            }
        }
        if (!xds.served().containsKey(group)) {
            throw new ApiRefusal(
                    Status.NOT_FOUND_404,
                    "unknown node group",
                    "no Gateway defines node group '" + group + "' (known: "
                            + xds.served().keySet() + ")");
        }
        switch (format) {
            case "envoy" ->
                res.header(HeaderNames.CONTENT_TYPE, "application/yaml")
                        .send(EnvoyBootstrap.toYaml(EnvoyBootstrap.build(node, group, peers, tls)));
            case "grpc" ->
                res.header(HeaderNames.CONTENT_TYPE, "application/json")
                        .send(GrpcBootstrap.json(node, group, region, zone, peers, tls));
            default ->
                throw new ApiRefusal(
                        Status.BAD_REQUEST_400,
                        "invalid query parameter",
                        "format '" + format + "' is not one of [envoy, grpc]");
        }
    }
}
