package dev.tandem.appliance.cli;

import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.pki.ClusterPki;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem pki init}: creates the cluster CA, this node's server certificate and the export-signing key. */
@Command(
        name = "pki",
        mixinStandardHelpOptions = true,
        description = "The cluster's PKI.",
        subcommands = {PkiCommand.Init.class})
final class PkiCommand {

    @Command(
            name = "init",
            mixinStandardHelpOptions = true,
            description =
                    "Create what is missing of the PKI in <dataDir>/pki (serve does it on first start); never replaces a file.")
    static final class Init implements Callable<Integer> {

        @Mixin
        ApplianceConfigOption config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Optional<ApplianceConfig> loaded = config.load();
            if (loaded.isEmpty()) {
                return TandemCommand.FAILED;
            }
            ApplianceConfig settings = loaded.get();
            try {
                ClusterPki pki = ClusterPki.loadOrCreate(settings.pkiDir(), settings.pki(), Instant.now());
                var out = spec.commandLine().getOut();
                if (pki.created().isEmpty()) {
                    out.println("the PKI in " + settings.pkiDir() + " is complete; nothing created");
                } else {
                    pki.created().forEach(what -> out.println("created " + what));
                }
                out.println("cluster CA " + ClusterPki.fingerprint(pki.ca().certificate()) + " ("
                        + settings.pkiDir().resolve("ca.pem") + ")");
                out.flush();
                return 0;
            } catch (IOException e) {
                spec.commandLine().getErr().println("tandem pki init: " + e.getMessage());
                return TandemCommand.FAILED;
            }
        }
    }
}
