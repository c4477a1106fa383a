package dev.tandem.appliance.cli;

import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.xds.model.InvalidConfigException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --config} appliance config file of {@code serve} and {@code bootstrap}. */
final class ApplianceConfigOption {

    @Option(
            names = {"-c", "--config"},
            defaultValue = "/etc/tandem/tandem.yaml",
            description = "Appliance config file (default: ${DEFAULT-VALUE}).")
    Path file;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The parsed config, or empty after telling the operator every problem with it. */
    Optional<ApplianceConfig> load() {
        var err = command.commandLine().getErr();
        String prefix = "tandem " + command.name() + ": ";
        try {
            return Optional.of(ApplianceConfig.load(file));
        } catch (NoSuchFileException e) {
            err.println(prefix + "config file " + file + " does not exist");
        } catch (IOException e) {
            err.println(prefix + "cannot read " + file + ": " + e.getMessage());
        } catch (InvalidConfigException e) {
            err.println(prefix + file + " is invalid:");
            e.errors().forEach(error -> err.println("  " + error));
        }
        err.flush();
        return Optional.empty();
    }
}
