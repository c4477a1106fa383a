package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem peers diverged show|clear EPOCH:INDEX}: the entries a node moved aside when it rejoined
 * a new active (never acknowledged). {@code show} prints the config a revision carried, to apply it
 * again ({@code tandem peers diverged show 1:9 > kept.yaml && tandem apply -f kept.yaml}); {@code
 * clear} (admin) makes the node forget one. Ask the node that moved it aside: each keeps its own.
 */
@Command(
        name = "diverged",
        mixinStandardHelpOptions = true,
        description = "Show or clear an entry this node moved aside when it rejoined a new active.",
        subcommands = {PeersDivergedCommand.Show.class, PeersDivergedCommand.Clear.class})
final class PeersDivergedCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** A command on one entry: its {@code EPOCH:INDEX} argument, turned into the entry's API path. */
    abstract static class OnEntry extends AdminCommand {

        @Parameters(paramLabel = "EPOCH:INDEX", description = "The entry, as tandem peers lists it.")
        String entry;

        @Spec
        CommandSpec spec;

        @Override
        final int run(AdminCalls admin) throws InterruptedException {
            String path = path(entry, spec);
            return path == null ? 2 : run(admin, path);
        }

        abstract int run(AdminCalls admin, String path) throws InterruptedException;
    }

    /** {@code EPOCH:INDEX} as {@code GET /api/v1/peers} lists them, as a path; null after saying what is wrong. */
    static String path(String entry, CommandSpec spec) {
        String[] parts = entry.split(":", -1);
        if (parts.length == 2 && parts[0].matches("\\d{1,18}") && parts[1].matches("\\d{1,18}")) {
            return "api/v1/peers/diverged/" + parts[0] + "/" + parts[1];
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(
                "tandem peers diverged: '" + entry + "' is not EPOCH:INDEX (for example 1:9, as tandem peers lists)");
        err.flush();
        return null;
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description =
                    "Print the config a diverged revision carried (private keys redacted), or the entry with -o json.")
    static final class Show extends OnEntry {

        @Mixin
        OutputOption output;

        @Override
        int run(AdminCalls admin, String path) throws InterruptedException {
            return admin.show(path, output, Show::text);
        }

        static String text(JsonNode e) {
            if (e.path("config").isTextual()) {
                String config = e.path("config").asText();
                return config.endsWith("\n") ? config : config + "\n";
            }
            List<String> tables = new ArrayList<>();
            e.path("tables").forEach(t -> tables.add(t.asText()));
            return "entry " + e.path("epoch").asLong() + ":" + e.path("index").asLong() + " ("
                    + e.path("kind").asText() + ") changed " + String.join(", ", tables) + "; it carried no config\n";
        }
    }

    @Command(
            name = "clear",
            mixinStandardHelpOptions = true,
            description = "Forget an entry this node moved aside (admin; it cannot be undone).")
    static final class Clear extends OnEntry {

        @Override
        int run(AdminCalls admin, String path) throws InterruptedException {
            return admin.done(
                    admin.delete(path),
                    answer -> "cleared diverged entry " + entry + " ("
                            + answer.path("cleared").path("kind").asText()
                            + (answer.path("cleared").path("revision").isNumber()
                                    ? ", revision "
                                            + answer.path("cleared")
                                                    .path("revision")
                                                    .asLong()
                                    : "")
                            + ")");
        }
    }
}
