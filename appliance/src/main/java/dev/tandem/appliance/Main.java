package dev.tandem.appliance;

import dev.tandem.appliance.cli.TandemCommand;
import picocli.CommandLine;

/** {@code tandem}: the appliance's single entry point; every subcommand lives in {@code cli}. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        // Before anything logs: keeps the shutdown's log lines (see ShutdownLogManager).
        System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
        CommandLine commandLine = TandemCommand.commandLine();
        int exit = commandLine.execute(args);
        // Commands print without a newline too (status prints JSON as received): flush before exiting.
        commandLine.getOut().flush();
        commandLine.getErr().flush();
        System.exit(exit);
    }
}
