package dev.tandem.appliance.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tandem whoami}: the name and role of the admin token the CLI calls with. */
@Command(
        name = "whoami",
        mixinStandardHelpOptions = true,
        description = "Show the name and role of the admin token in use.")
final class WhoamiCommand extends AdminCommand {

    @Mixin
    OutputOption output;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        return admin.show(
                "api/v1/whoami",
                output,
                json -> json.path("name").asText() + " (" + json.path("role").asText() + ")\n");
    }
}
