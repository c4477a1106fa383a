package dev.tandem.appliance.cli;

import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.xds.bootstrap.EnvoyBootstrap;
import dev.tandem.xds.bootstrap.GrpcBootstrap;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bootstrap}: writes a data plane's bootstrap, pointing at every peer of this Tandem
 * cluster as listed in the appliance config; no running server needed.
 */
@Command(name = "bootstrap", mixinStandardHelpOptions = true,
        description = "Write an Envoy (or proxyless gRPC) bootstrap for a node group, pointing at every Tandem peer.")
final class BootstrapCommand implements Callable<Integer> {

    enum Format { envoy, grpc }

    @Option(names = "--node-group", required = true, description = "The node group (the data plane's node.cluster).")
    String nodeGroup;

    @Option(names = "--node-id", description = "The data plane's node id (default: this host's name).")
    String nodeId;

    @Option(names = "--format", defaultValue = "envoy", description = "envoy (YAML) or grpc (JSON); default ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--region", defaultValue = "", description = "gRPC only: the client's locality region.")
    String region;

    @Option(names = "--zone", defaultValue = "", description = "gRPC only: the client's locality zone.")
    String zone;

    /** The peers come from the appliance config. */
    @Mixin
    ApplianceConfigOption config;

    @Option(names = {"-o", "--out"}, description = "File to write (default: standard output).")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        java.util.Optional<ApplianceConfig> loaded = config.load();
        if (loaded.isEmpty()) {
            return TandemCommand.FAILED;
        }
        ApplianceConfig settings = loaded.get();
        String node = nodeId != null ? nodeId : InetAddress.getLocalHost().getHostName();
        String text = switch (format) {
            case envoy -> EnvoyBootstrap.toYaml(EnvoyBootstrap.build(node, nodeGroup, settings.xdsPeers()));
            case grpc -> GrpcBootstrap.json(node, nodeGroup, region, zone, settings.xdsPeers(), "insecure");
        };
        if (out == null) {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
        } else {
            Files.writeString(out, text);
        }
        return 0;
    }
}
