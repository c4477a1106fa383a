package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tandem admin-token create --name N --role R} (a new token, printed once), {@code list},
 * {@code revoke NAME}, {@code set-role NAME ROLE}.
 */
@Command(
        name = "admin-token",
        mixinStandardHelpOptions = true,
        description = "Admin API tokens.",
        subcommands = {
            AdminTokenCommand.Create.class,
            AdminTokenCommand.ListTokens.class,
            AdminTokenCommand.Revoke.class,
            AdminTokenCommand.SetRole.class
        })
final class AdminTokenCommand {

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the tokens: name, role, who created them.")
    static final class ListTokens extends AdminCommand {

        @Mixin
        OutputOption output;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            return admin.show("api/v1/admin-tokens", output, ListTokens::text);
        }

        static String text(JsonNode answer) {
            Table table = new Table("NAME", "ROLE", "CREATED", "BY");
            answer.path("tokens")
                    .forEach(t -> table.row(
                            t.path("name").asText(),
                            t.path("role").asText(),
                            Table.time(t.path("createdAt")),
                            t.path("createdBy").asText()));
            return table.isEmpty() ? "no admin tokens\n" : table.toString();
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Delete a token: calls with it are refused at once.")
    static final class Revoke extends AdminCommand {

        @Parameters(index = "0", description = "The token's name.")
        String name;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            return admin.done(admin.delete(path(name)), answer -> "revoked token '" + name + "'");
        }
    }

    @Command(name = "set-role", mixinStandardHelpOptions = true, description = "Give a token another role.")
    static final class SetRole extends AdminCommand {

        @Parameters(index = "0", description = "The token's name.")
        String name;

        @Parameters(index = "1", description = "viewer, operator or admin.")
        String role;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            return admin.done(
                    admin.post(path(name) + "/role", Map.of("role", role), 200),
                    answer -> "token '" + name + "' now has role " + role);
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create a token (needs an admin token); it is printed once and stored only as a hash.")
    static final class Create extends AdminCommand {

        @Option(names = "--name", required = true, description = "A name for the token (who or what uses it).")
        String name;

        @Option(names = "--role", required = true, description = "viewer, operator or admin.")
        String role;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            return admin.createToken("api/v1/admin-tokens", Map.of("name", name, "role", role));
        }
    }

    private static String path(String name) {
        return "api/v1/admin-tokens/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    }
}
