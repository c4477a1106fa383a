package dev.tandem.appliance.cli;

import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.ListeningPorts;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.xds.model.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How commands reach a running appliance. The appliance config ({@code --config}, else
 * {@code $TANDEM_CONFIG}, else {@code /etc/tandem/tandem.yaml} when it exists) gives the admin URL,
 * the admin token file the appliance wrote on first start and the cluster CA to trust; each can be
 * given on its own instead: {@code --server}, {@code --token-file} or {@code $TANDEM_TOKEN},
 * {@code --ca-file} or {@code $TANDEM_CA}. A token is never taken from the command line, where other
 * users of the host could read it.
 */
final class ServerOption {

    static final Path DEFAULT_CONFIG = Path.of("/etc/tandem/tandem.yaml");
    static final Path DEFAULT_TOKEN_FILE = Path.of("/var/lib/tandem/admin-token");
    static final Path DEFAULT_CA_FILE = Path.of("/var/lib/tandem/pki/ca.pem");

    @Option(
            names = "--server",
            description =
                    "Admin API URL (default: from the appliance config, else " + AdminClient.DEFAULT_SERVER + ").")
    String server;

    @Option(
            names = {"-c", "--config"},
            description = "Appliance config to find the server, token and CA from (default: "
                    + "$TANDEM_CONFIG, else /etc/tandem/tandem.yaml when it exists).")
    Path config;

    @Option(
            names = "--token-file",
            description = "File holding the admin token (default: $TANDEM_TOKEN, else "
                    + "<dataDir>/admin-token of the appliance config, else /var/lib/tandem/admin-token).")
    Path tokenFile;

    @Option(
            names = "--ca-file",
            description = "The cluster CA certificate to trust (default: $TANDEM_CA, else the "
                    + "appliance config's, else /var/lib/tandem/pki/ca.pem, else the JDK's trusted CAs).")
    Path caFile;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Where the defaults come from when options and environment give nothing. */
    private record Defaults(String server, Optional<Path> tokenFile, Optional<Path> caFile) {}

    /** The command's calls to the appliance these options name; the client is set up at the first. */
    AdminCalls calls() {
        return new AdminCalls(this::client, command);
    }

    private AdminClient client() throws IOException {
        Defaults defaults = defaults();
        String url = server != null ? server : defaults.server();
        return new AdminClient(url, token(defaults), sslContext(defaults));
    }

    private Defaults defaults() throws IOException {
        Path file = config;
        if (file == null) {
            String env = System.getenv("TANDEM_CONFIG");
            file = env != null && !env.isBlank()
                    ? Path.of(env)
                    : Files.isReadable(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null;
        }
        if (file == null) {
            return new Defaults(AdminClient.DEFAULT_SERVER, readable(DEFAULT_TOKEN_FILE), readable(DEFAULT_CA_FILE));
        }
        ApplianceConfig loaded;
        try {
            loaded = ApplianceConfig.load(file);
        } catch (InvalidConfigException e) {
            throw new IOException(
                    "the appliance config " + file + " is invalid: "
                            + String.join(
                                    "; ",
                                    e.errors().stream().map(Object::toString).toList()),
                    e);
        } catch (IOException e) {
            throw new IOException("cannot read the appliance config " + file + ": " + e.getMessage(), e);
        }
        String address = loaded.admin().address();
        if (address.equals("0.0.0.0") || address.equals("::")) {
            address = "127.0.0.1";
        } else if (address.contains(":")) {
            address = "[" + address + "]";
        }
        String url = server != null ? server : "https://" + address + ":" + adminPort(file, loaded);
        return new Defaults(
                url,
                Optional.of(loaded.dataDir().resolve("admin-token")),
                Optional.of(loaded.pki().caCertFile().orElse(loaded.pkiDir().resolve("ca.pem"))));
    }

    /** The config's, or with port 0 (any free port) the one the running appliance wrote it bound. */
    private static int adminPort(Path file, ApplianceConfig loaded) throws IOException {
        if (loaded.admin().port() != 0) {
            return loaded.admin().port();
        }
        return ListeningPorts.read(loaded.dataDir())
                .map(ListeningPorts::adminPort)
                .orElseThrow(() -> new IOException("the appliance config " + file
                        + " has admin.port 0 (any free port) and " + ListeningPorts.file(loaded.dataDir())
                        + " does not exist: is tandem serve running? (or give --server)"));
    }

    private Optional<String> token(Defaults defaults) throws IOException {
        if (tokenFile != null) {
            return Optional.of(read(tokenFile, "the admin token"));
        }
        String env = System.getenv("TANDEM_TOKEN");
        if (env != null && !env.isBlank()) {
            return Optional.of(env.trim());
        }
        Optional<Path> file = defaults.tokenFile().filter(Files::isReadable);
        return file.isPresent() ? Optional.of(read(file.get(), "the admin token")) : Optional.empty();
    }

    private SSLContext sslContext(Defaults defaults) throws IOException {
        Path ca = caFile;
        if (ca == null) {
            String env = System.getenv("TANDEM_CA");
            ca = env != null && !env.isBlank()
                    ? Path.of(env)
                    : defaults.caFile().filter(Files::isReadable).orElse(null);
        }
        if (ca == null) {
            return TlsContexts.context(null, null);
        }
        try {
            return TlsContexts.context(null, CertificateTrust.pkixTrusting(PemFiles.readCertificate(ca)));
        } catch (IOException e) {
            throw new IOException("cannot read the CA certificate " + ca + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> readable(Path file) {
        return Files.isReadable(file) ? Optional.of(file) : Optional.empty();
    }

    private static String read(Path file, String what) throws IOException {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new IOException("cannot read " + what + " from " + file + ": " + e.getMessage(), e);
        }
    }
}
