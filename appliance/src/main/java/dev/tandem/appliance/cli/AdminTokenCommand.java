package dev.tandem.appliance.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem admin-token create --name N --role R}: a new admin API token, printed once. */
@Command(name = "admin-token", mixinStandardHelpOptions = true, description = "Admin API tokens.",
        subcommands = {AdminTokenCommand.Create.class})
final class AdminTokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token (needs an admin token); it is printed once and stored only as a hash.")
    static final class Create implements Callable<Integer> {

        @Option(names = "--name", required = true, description = "A name for the token (who or what uses it).")
        String name;

        @Option(names = "--role", required = true, description = "viewer, operator or admin.")
        String role;

        @Mixin
        ServerOption server;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return TokenRequests.createAndPrint(server, spec, "api/v1/admin-tokens", Map.of("name", name, "role", role));
        }
    }
}
