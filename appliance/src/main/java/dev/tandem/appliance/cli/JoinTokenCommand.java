package dev.tandem.appliance.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem token create --node-group G --ttl 1h [--uses N]}: a join token for data planes, printed once. */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        description = "Data-plane join tokens.",
        subcommands = {JoinTokenCommand.Create.class})
final class JoinTokenCommand {

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create a token with which data planes of the group obtain their client certificates: "
                    + "once, or --uses times, each for another node id.")
    static final class Create extends AdminCommand {

        @Option(names = "--node-group", required = true, description = "The node group the data plane joins.")
        String nodeGroup;

        @Option(
                names = "--uses",
                defaultValue = "1",
                description =
                        "How many data planes may join with it, each with another "
                                + "node id (default ${DEFAULT-VALUE}; an autoscaled fleet of identical data planes shares one token).")
        int uses;

        // The server reads the duration (and says what it accepts): sent as typed.
        @Option(
                names = "--ttl",
                defaultValue = "1h",
                description = "How long the token is valid (default ${DEFAULT-VALUE}; at most 168h).")
        String ttl;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            return admin.createToken(
                    "api/v1/join-tokens", Map.of("nodeGroup", nodeGroup, "ttl", ttl, "uses", String.valueOf(uses)));
        }
    }
}
