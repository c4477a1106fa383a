package dev.tandem.appliance.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem token create --node-group G --ttl 1h}: a one-time join token for a data plane, printed once. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Data-plane join tokens.",
        subcommands = {JoinTokenCommand.Create.class})
final class JoinTokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a one-time token with which a data plane of the group obtains its client certificate.")
    static final class Create implements Callable<Integer> {

        @Option(names = "--node-group", required = true, description = "The node group the data plane joins.")
        String nodeGroup;

        @Option(names = "--ttl", defaultValue = "1h", description = "How long the token is valid (default ${DEFAULT-VALUE}; at most 168h).")
        String ttl;

        @Mixin
        ServerOption server;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return TokenRequests.createAndPrint(server, spec, "api/v1/join-tokens", Map.of("nodeGroup", nodeGroup, "ttl", ttl));
        }
    }
}
