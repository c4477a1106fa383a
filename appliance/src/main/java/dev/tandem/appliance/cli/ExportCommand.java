package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code tandem export}: export the current revision of every node group now, whatever the retry backoff says. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export every node group's current revision to the fallback store now, and say how it went.")
final class ExportCommand implements Callable<Integer> {

    @Mixin
    ServerOption server;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // 503 is an answer here (some group not exported): read it like 200.
        TokenRequests.Reply reply = TokenRequests.call(server, spec, "POST", "api/v1/export", Map.of(), 200);
        JsonNode body = reply.json();
        if (body == null || !body.has("nodeGroups")) {
            return reply.exit();
        }
        var out = spec.commandLine().getOut();
        out.println("store: " + body.path("store").asText());
        body.path("nodeGroups").properties().forEach(group -> {
            JsonNode g = group.getValue();
            out.println("  " + group.getKey() + ": revision " + g.path("exportedRevision").asLong() + " exported"
                    + (g.path("lag").asLong() == 0 ? "" : ", " + g.path("lag").asLong() + " behind revision " + g.path("revision").asLong()
                    + ": " + g.path("lastError").asText()));
        });
        out.flush();
        return reply.exit() == 0 ? 0 : TandemCommand.REFUSED;
    }
}
