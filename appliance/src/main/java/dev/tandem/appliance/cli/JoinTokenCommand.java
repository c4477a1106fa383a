package dev.tandem.appliance.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem token create --node-group G --ttl 1h [--uses N]}: a join token for data planes, printed once. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Data-plane join tokens.",
        subcommands = {JoinTokenCommand.Create.class})
final class JoinTokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token with which data planes of the group obtain their client certificates: "
                    + "once, or --uses times, each for another node id.")
    static final class Create implements Callable<Integer> {

        @Option(names = "--node-group", required = true, description = "The node group the data plane joins.")
        String nodeGroup;

        @Option(names = "--uses", defaultValue = "1", description = "How many data planes may join with it, each with another "
                + "node id (default ${DEFAULT-VALUE}; an autoscaled fleet of identical data planes shares one token).")
        int uses;

        @Option(names = "--ttl", defaultValue = "1h", description = "How long the token is valid (default ${DEFAULT-VALUE}; at most 168h).")
        String ttl;

        @Mixin
        ServerOption server;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return TokenRequests.createAndPrint(server, spec, "api/v1/join-tokens", Map.of("nodeGroup", nodeGroup, "ttl", ttl,
                    "uses", String.valueOf(uses)));
        }
    }
}
