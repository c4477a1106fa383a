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

    /**
     * POSTs the file's YAML to {@code path}: the server's answer whatever its status, or empty after
     * saying why there is none (the file unreadable, the server unreachable).
     */
    Optional<AdminCalls.Answer> post(AdminCalls admin, String path) throws InterruptedException {
        Optional<String> text = read();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return admin.send(client -> client.post(path, "application/yaml", text.get()));
    }

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
