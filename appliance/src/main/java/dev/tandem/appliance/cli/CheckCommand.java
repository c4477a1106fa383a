package dev.tandem.appliance.cli;

import dev.tandem.appliance.revisions.SecretFiles;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.model.InvalidConfigException;
import dev.tandem.xds.snapshot.GroupSnapshot;
import dev.tandem.xds.translate.Translator;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem check -f FILE}: validates and translates a gateway config locally, with no server:
 * the same checks {@code apply} runs, for editors and CI pipelines.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Validate a gateway config locally (no server needed); exit 1 with every error if invalid.")
final class CheckCommand implements Callable<Integer> {

    @Mixin
    ConfigFileOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Optional<String> text = config.read();
        if (text.isEmpty()) {
            return TandemCommand.FAILED;
        }
        String yaml = text.get();
        Path file = config.file;
        try {
            GatewayConfig config = SecretFiles.load(yaml);
            var groups = Translator.translate(config);
            groups.values().forEach(g -> GroupSnapshot.of(g, 0));
            out.println(file + " is valid: " + config.documentCount() + " documents, node groups " + groups.keySet());
            return 0;
        } catch (InvalidConfigException e) {
            err.println(file + " is invalid: " + e.errors().size() + " error(s)");
            ConfigErrorLines.print(err, file, e.errors());
            return TandemCommand.REFUSED;
        }
    }
}
