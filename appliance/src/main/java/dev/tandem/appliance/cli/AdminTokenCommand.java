package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem admin-token create --name N --role R} (a new token, printed once), {@code list},
 * {@code revoke NAME}, {@code set-role NAME ROLE}.
 */
@Command(name = "admin-token", mixinStandardHelpOptions = true, description = "Admin API tokens.",
        subcommands = {AdminTokenCommand.Create.class, AdminTokenCommand.ListTokens.class, AdminTokenCommand.Revoke.class,
                AdminTokenCommand.SetRole.class})
final class AdminTokenCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tokens: name, role, who created them.")
    static final class ListTokens implements Callable<Integer> {

        @Mixin
        ServerOption server;

        @Mixin
        OutputOption output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TokenRequests.Reply reply = TokenRequests.call(server, spec, "GET", "api/v1/admin-tokens", null, 200);
            if (reply.exit() != 0) {
                return reply.exit();
            }
            output.print(spec.commandLine().getOut(), reply.json(), () -> text(reply.json()));
            return 0;
        }

        static String text(JsonNode answer) {
            Table table = new Table("NAME", "ROLE", "CREATED", "BY");
            answer.path("tokens").forEach(t -> table.row(t.path("name").asText(), t.path("role").asText(),
                    Table.time(t.path("createdAt")), t.path("createdBy").asText()));
            return table.isEmpty() ? "no admin tokens\n" : table.toString();
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Delete a token: calls with it are refused at once.")
    static final class Revoke implements Callable<Integer> {

        @picocli.CommandLine.Parameters(index = "0", description = "The token's name.")
        String name;

        @Mixin
        ServerOption server;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return change(server, spec, "DELETE", name, null, "revoked token '" + name + "'");
        }
    }

    @Command(name = "set-role", mixinStandardHelpOptions = true, description = "Give a token another role.")
    static final class SetRole implements Callable<Integer> {

        @picocli.CommandLine.Parameters(index = "0", description = "The token's name.")
        String name;

        @picocli.CommandLine.Parameters(index = "1", description = "viewer, operator or admin.")
        String role;

        @Mixin
        ServerOption server;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return change(server, spec, "POST", name, Map.of("role", role), "token '" + name + "' now has role " + role);
        }
    }

    private static int change(ServerOption server, picocli.CommandLine.Model.CommandSpec spec, String method, String name,
                              Map<String, String> body, String done) throws Exception {
        String path = "api/v1/admin-tokens/" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)
                + (body == null ? "" : "/role");
        TokenRequests.Reply reply = TokenRequests.call(server, spec, method, path, body, 200);
        if (reply.exit() != 0) {
            return reply.exit();
        }
        spec.commandLine().getOut().println(done);
        spec.commandLine().getOut().flush();
        return 0;
    }

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
