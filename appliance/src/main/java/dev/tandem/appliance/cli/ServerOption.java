package dev.tandem.appliance.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How commands reach a running appliance: {@code --server}, and the admin token from
 * {@code --token-file}, else {@code $TANDEM_TOKEN}, else the token file a packaged appliance writes
 * on first start ({@code /var/lib/tandem/admin-token}). A token is never taken from the command line,
 * where other users of the host could read it.
 */
final class ServerOption {

    static final Path DEFAULT_TOKEN_FILE = Path.of("/var/lib/tandem/admin-token");

    @Option(names = "--server", defaultValue = AdminClient.DEFAULT_SERVER, description = "Admin API URL (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--token-file", description = "File holding the admin token (default: $TANDEM_TOKEN, else "
            + "/var/lib/tandem/admin-token).")
    Path tokenFile;

    AdminClient client() throws IOException {
        return new AdminClient(server, token());
    }

    /** The client, or empty after telling the operator why the token could not be read. */
    Optional<AdminClient> clientFor(picocli.CommandLine.Model.CommandSpec command) {
        try {
            return Optional.of(client());
        } catch (IOException e) {
            command.commandLine().getErr().println("tandem " + command.qualifiedName(" ").replaceFirst("^tandem ", "")
                    + ": cannot read the admin token: " + e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<String> token() throws IOException {
        if (tokenFile != null) {
            return Optional.of(Files.readString(tokenFile).trim());
        }
        String env = System.getenv("TANDEM_TOKEN");
        if (env != null && !env.isBlank()) {
            return Optional.of(env.trim());
        }
        if (Files.isReadable(DEFAULT_TOKEN_FILE)) {
            return Optional.of(Files.readString(DEFAULT_TOKEN_FILE).trim());
        }
        return Optional.empty();
    }
}
