package dev.tandem.appliance.testing;

import dev.tandem.appliance.cli.TandemCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code tandem} command line, run in the test's JVM as an operator would type it. */
public final class Cli {

    /** Exit code, standard output and standard error. */
    public record Result(int exit, String out, String err) {}

    private Cli() {}

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** {@code args} against {@code admin}'s server, trusting its CA, with the token in {@code tokenFile}. */
    public static Result against(AdminHttp admin, Path tokenFile, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--server",
                admin.base(),
                "--ca-file",
                admin.caFile().toString(),
                "--token-file",
                tokenFile.toString()));
        return run(all.toArray(String[]::new));
    }

    /** {@code args} against {@code node}, with its admin URL, the test CA and its initial admin token. */
    public static Result against(RunningAppliance node, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--server",
                node.admin().base(),
                "--ca-file",
                TestPki.caFile().toString(),
                "--token-file",
                node.tokenFile().toString()));
        return run(all.toArray(String[]::new));
    }
}
