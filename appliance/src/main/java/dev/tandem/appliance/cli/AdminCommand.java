package dev.tandem.appliance.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A command that calls the admin API of the appliance its {@link ServerOption} options name
 * ({@code --server}, {@code --config}, {@code --token-file}, {@code --ca-file}), through
 * {@link AdminCalls}, which says what went wrong and gives the exit code.
 */
abstract class AdminCommand implements Callable<Integer> {

    @Mixin
    ServerOption server;

    @Override
    public final Integer call() throws Exception {
        return run(server.calls());
    }

    /** The command's work; its exit code. */
    abstract int run(AdminCalls admin) throws Exception;
}
