package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem export}: export the current revision of every node group now, whatever the retry backoff says. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Export every node group's current revision to the fallback store now, and say how it went.")
final class ExportCommand extends AdminCommand {

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        // 503 is an answer here (some group not exported): read it like 200.
        AdminCalls.Reply reply = admin.post("api/v1/export", Map.of(), 200);
        JsonNode body = reply.json();
        if (!body.has("nodeGroups")) {
            return reply.exit();
        }
        output.print(spec.commandLine().getOut(), body, () -> text(body));
        return reply.exit() == 0 ? 0 : TandemCommand.REFUSED;
    }

    /** The store, then one row per node group; the last error only while the group is behind. */
    static String text(JsonNode answer) {
        Table table = new Table("NODE GROUP", "REVISION", "EXPORTED", "LAG", "EXPORTED AT", "LAST ERROR");
        answer.path("nodeGroups").properties().forEach(group -> {
            JsonNode g = group.getValue();
            boolean behind = g.path("lag").asLong() > 0;
            table.row(
                    group.getKey(),
                    g.path("revision").asLong(),
                    g.path("exportedRevision").asLong(),
                    g.path("lag").asLong(),
                    Table.time(g.path("exportedAt")),
                    behind && g.hasNonNull("lastError")
                            ? g.path("lastError").asText() + " (" + Table.time(g.path("lastErrorAt")) + ")"
                            : null);
        });
        return "store: " + answer.path("store").asText() + "\n"
                + (table.isEmpty() ? "no node groups to export\n" : table);
    }
}
