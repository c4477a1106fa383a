package dev.tandem.appliance.cli;

import picocli.CommandLine.Option;

/** The {@code --server} option of every command that talks to a running appliance. */
final class ServerOption {

    @Option(names = "--server", defaultValue = AdminClient.DEFAULT_SERVER, description = "Admin API URL (default: ${DEFAULT-VALUE}).")
    String server;

    AdminClient client() {
        return new AdminClient(server);
    }
}
