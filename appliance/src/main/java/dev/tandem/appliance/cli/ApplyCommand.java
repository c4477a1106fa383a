package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem apply -f FILE}: validates and stores a gateway config as the next revision. */
@Command(
        name = "apply",
        mixinStandardHelpOptions = true,
        description = "Apply a gateway config (YAML, one or more documents) as a new revision.")
final class ApplyCommand extends AdminCommand {

    @Mixin
    ConfigFileOption config;

    @Spec
    CommandSpec spec;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        Optional<String> text = config.read();
        if (text.isEmpty()) {
            return TandemCommand.FAILED;
        }
        String yaml = text.get();
        Path file = config.file;
        Optional<AdminCalls.Answer> answer =
                admin.send(client -> client.post("api/v1/apply", "application/yaml", yaml));
        if (answer.isEmpty()) {
            return TandemCommand.FAILED;
        }
        JsonNode body = answer.get().json();
        int status = answer.get().status();
        if (status == 200 || status == 201) {
            PrintWriter out = spec.commandLine().getOut();
            long revision = body.path("revision").asLong();
            if (body.path("unchanged").asBoolean()) {
                out.println("unchanged: " + file + " is the config of revision " + revision);
            } else {
                out.println("applied " + file + " as revision " + revision + " (node groups " + body.path("nodeGroups")
                        + ")");
            }
            return 0;
        }
        // Every detail on its own line: an invalid config has one per error.
        PrintWriter err = spec.commandLine().getErr();
        err.println("tandem apply: refused (HTTP " + status + "): "
                + body.path("error").asText(answer.get().body()));
        body.path("details").forEach(d -> err.println("  " + d.asText()));
        return status < 500 ? TandemCommand.REFUSED : TandemCommand.FAILED;
    }
}
