package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem promote}: makes the standby it is sent to the active, when the active is unreachable
 * (ADR 0014 §8). It first prints what the promote risks (the dry run: whether this standby is the
 * recorded sync standby, and how many committed entries it knows it lacks), then asks for
 * confirmation; {@code --yes} is for scripts.
 */
@Command(
        name = "promote",
        mixinStandardHelpOptions = true,
        description = "Make this standby the active while the active is unreachable (manual failover).")
final class PromoteCommand extends AdminCommand {

    @Option(
            names = "--old-active-is-down",
            description = "You have checked that the old active is stopped: needed when the lease cannot be written, "
                    + "or without a lease store. It must stay stopped until GET /api/v1/peers shows the new epoch.")
    boolean oldActiveIsDown;

    @Option(
            names = "--accept-data-loss",
            description = "Promote although this standby may lack acknowledged writes (it is not the sync standby).")
    boolean acceptDataLoss;

    @Option(names = "--dry-run", description = "Print what a promote would do and risk; change nothing.")
    boolean dryRun;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Spec
    CommandSpec spec;

    @Override
    int run(AdminCalls admin) throws InterruptedException, IOException {
        PrintWriter err = spec.commandLine().getErr();
        AdminCalls.Reply report =
                admin.post("api/v1/peers/promote", Map.of("dryRun", true, "oldActiveIsDown", oldActiveIsDown), 200);
        if (report.exit() != 0) {
            return report.exit();
        }
        err.println(describe(report.json()));
        err.flush();
        if (dryRun) {
            return report.json().hasNonNull("refusal") ? TandemCommand.REFUSED : 0;
        }
        boolean mayLose = report.json().path("mayLoseAcknowledgedWrites").asBoolean();
        if (!yes && !confirm(mayLose)) {
            err.println("tandem promote: not promoted");
            err.flush();
            return TandemCommand.REFUSED;
        }
        return admin.done(
                admin.post(
                        "api/v1/peers/promote",
                        Map.of(
                                "oldActiveIsDown",
                                oldActiveIsDown,
                                "acceptDataLoss",
                                acceptDataLoss || mayLose && !yes,
                                "dryRun",
                                false),
                        200),
                answer -> "promoted: " + answer.path("promoted").asText() + " is the active at epoch "
                        + answer.path("epoch").asLong()
                        + (answer.path("lossAccepted").asBoolean() ? " (acknowledged writes may have been lost)" : ""));
    }

    static String describe(JsonNode report) {
        StringBuilder out = new StringBuilder();
        if (report.path("isSyncStandby").asBoolean()) {
            out.append("this standby IS the recorded sync standby (from the ")
                    .append(report.path("syncSource").asText())
                    .append(
                            report.path("mayLoseAcknowledgedWrites").asBoolean()
                                    ? "), but that record may be older than the active's: an active that stopped"
                                            + " waiting for it committed alone"
                                    : "): no acknowledged write is lost");
        } else {
            out.append("this standby is NOT the recorded sync standby: it lacks at least ")
                    .append(report.path("knownMissingEntries").asLong())
                    .append(" committed entries it knows of, and anything written since it last heard the active");
        }
        if (report.path("mayLoseAcknowledgedWrites").asBoolean()) {
            out.append("; acknowledged writes may be lost");
        }
        if (report.hasNonNull("refusal")) {
            out.append("\nit would be refused: ").append(report.path("refusal").asText());
        }
        return out.toString();
    }

    private boolean confirm(boolean mayLose) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        err.print(
                mayLose ? "promote anyway and accept that acknowledged writes may be lost? [y/N] " : "promote? [y/N] ");
        err.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = in.readLine();
        return line != null && line.trim().toLowerCase(Locale.ROOT).startsWith("y");
    }
}
