package dev.tandem.appliance.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code -f FILE} gateway config of {@code apply} and {@code check}. */
final class ConfigFileOption {

    @Option(
            names = {"-f", "--file"},
            required = true,
            description = "Gateway config file (YAML, one or more documents).")
    Path file;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The file's text, or empty after telling the operator why it could not be read. */
    Optional<String> read() {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            command.commandLine()
                    .getErr()
                    .println("tandem " + command.name() + ": cannot read " + file + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
