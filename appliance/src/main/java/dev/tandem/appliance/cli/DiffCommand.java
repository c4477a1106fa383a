package dev.tandem.appliance.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem diff -f FILE}: what applying a gateway config would change for each node group's data
 * planes, against what they are served now (the server's dry run). Its exit code tells a pipeline
 * whether the running config has drifted from the file.
 */
@Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        description = "Show what applying a gateway config would change for each node group; store nothing.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:nothing would change",
            "1:refused by the server (an invalid config: every error with its line and column)",
            "2:bad command line",
            "3:could not run (server unreachable, file unreadable)",
            "4:data planes would get a change"
        })
final class DiffCommand extends AdminCommand {

    @Mixin
    ConfigFileOption config;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        Path file = config.file;
        Optional<AdminCalls.Answer> answer = config.post(admin, ApplyCommand.DRY_RUN_PATH);
        if (answer.isEmpty()) {
            return TandemCommand.FAILED;
        }
        if (answer.get().status() != 200) {
            return ApplyCommand.refused(spec, file, answer.get());
        }
        output.print(
                spec.commandLine().getOut(),
                answer.get().json(),
                () -> DryRunText.render(file.toString(), answer.get().json()));
        return answer.get().json().path("changes").isEmpty() ? 0 : TandemCommand.DIFFERENT;
    }
}
