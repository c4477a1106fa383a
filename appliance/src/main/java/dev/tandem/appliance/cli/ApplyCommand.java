package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem apply -f FILE}: validates and stores a gateway config as the next revision; with
 * {@code --dry-run}, the server validates and translates it and says what would change, storing
 * nothing.
 */
@Command(
        name = "apply",
        mixinStandardHelpOptions = true,
        description = "Apply a gateway config (YAML, one or more documents) as a new revision.")
final class ApplyCommand extends AdminCommand {

    static final String DRY_RUN_PATH = "api/v1/apply?dryRun=true";

    @Mixin
    ConfigFileOption config;

    @Option(
            names = "--dry-run",
            description = "Validate and translate on the server and show what would change; store nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        Path file = config.file;
        Optional<AdminCalls.Answer> answer = config.post(admin, dryRun ? DRY_RUN_PATH : "api/v1/apply");
        if (answer.isEmpty()) {
            return TandemCommand.FAILED;
        }
        JsonNode body = answer.get().json();
        int status = answer.get().status();
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun && status == 200) {
            out.print(DryRunText.render(file.toString(), body));
            out.flush();
            return 0;
        }
        if (status == 200 || status == 201) {
            long revision = body.path("revision").asLong();
            if (body.path("unchanged").asBoolean()) {
                out.println("unchanged: " + file + " is the config of revision " + revision);
            } else {
                out.println("applied " + file + " as revision " + revision + " (node groups " + body.path("nodeGroups")
                        + ")");
            }
            out.flush();
            return 0;
        }
        return refused(spec, file, answer.get());
    }

    /**
     * Says why the server refused {@code file}: the error, then every error of the config at its line
     * and column; the exit code for it.
     */
    static int refused(CommandSpec spec, Path file, AdminCalls.Answer answer) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("tandem " + spec.name() + ": refused (HTTP " + answer.status() + "): "
                + answer.json().path("error").asText(answer.body()));
        ConfigErrorLines.print(err, file, answer.json());
        return answer.status() < 500 ? TandemCommand.REFUSED : TandemCommand.FAILED;
    }
}
