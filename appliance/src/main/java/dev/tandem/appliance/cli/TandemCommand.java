package dev.tandem.appliance.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tandem} command line (picocli): one binary for the daemon and its operators. */
@Command(
        name = "tandem",
        mixinStandardHelpOptions = true,
        versionProvider = TandemCommand.Version.class,
        description = "Edge gateway appliance with an embedded, highly available Envoy control plane.",
        subcommands = {
            ServeCommand.class,
            ApplyCommand.class,
            CheckCommand.class,
            DiffCommand.class,
            RollbackCommand.class,
            StatusCommand.class,
            WhoamiCommand.class,
            BootstrapCommand.class,
            PkiCommand.class,
            AdminTokenCommand.class,
            JoinTokenCommand.class,
            CertCommand.class,
            ExportCommand.class,
            PeersCommand.class,
            DoctorCommand.class,
            SwitchActiveCommand.class,
            PromoteCommand.class,
            PeerCommand.class,
            DataPlaneCommand.class,
            BenchCommand.class,
            BenchBaselineCommand.class,
            CommandLine.HelpCommand.class
        })
public final class TandemCommand {

    /** Exit code when the server refused the request (for example an invalid config). */
    public static final int REFUSED = 1;
    /** Exit code when the command could not run: unreachable server, unreadable file, bad appliance config. */
    public static final int FAILED = 3;
    /** Exit code of {@code tandem diff} when data planes would get a change. */
    public static final int DIFFERENT = 4;
    /** Exit code of {@code tandem doctor} when the cluster has a problem of severity error. */
    public static final int UNHEALTHY = 5;

    /** The command line with every subcommand, duration options in the config files' syntax. */
    public static CommandLine commandLine() {
        return DurationConverter.register(new CommandLine(new TandemCommand()));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TandemCommand.class.getPackage().getImplementationVersion();
            return new String[] {"tandem " + (version == null ? "(development build)" : version)};
        }
    }
}
