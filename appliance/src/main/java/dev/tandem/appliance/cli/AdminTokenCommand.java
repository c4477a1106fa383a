package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
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
            var err = spec.commandLine().getErr();
            var maybeClient = server.clientFor(spec);
            if (maybeClient.isEmpty()) {
                return TandemCommand.FAILED;
            }
            AdminClient client = maybeClient.get();
            HttpResponse<String> response;
            try {
                response = client.post("api/v1/admin-tokens", "application/json",
                        new ObjectMapper().writeValueAsString(Map.of("name", name, "role", role)));
            } catch (IOException e) {
                err.println("tandem admin-token create: " + client.describe(e));
                return TandemCommand.FAILED;
            }
            JsonNode body = new ObjectMapper().readTree(response.body());
            if (response.statusCode() != 201) {
                err.println("tandem admin-token create: refused (HTTP " + response.statusCode() + "): "
                        + body.path("error").asText() + ": " + body.path("details").path(0).asText());
                return TandemCommand.REFUSED;
            }
            spec.commandLine().getOut().println(body.path("token").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
