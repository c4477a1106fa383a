package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.tandem.appliance.Jackson;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem status}: the node's role, revision, node groups and connected data planes; a summary
 * ({@link StatusText}), or the status document itself with {@code -o json|yaml}.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the node's role, revision, node groups and data planes.")
final class StatusCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = Jackson.MAPPER;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var maybeClient = server.clientFor(spec);
        if (maybeClient.isEmpty()) {
            return TandemCommand.FAILED;
        }
        AdminClient client = maybeClient.get();
        TokenRequests.Reply reply = TokenRequests.post(client, spec, "api/v1/status", null, 200);
        if (reply.exit() != 0) {
            return reply.exit();
        }
        JsonNode status = reply.json();
        output.print(spec.commandLine().getOut(), status, () -> StatusText.render(status,
                status.path("revision").asLong() == 0 ? MissingNode.getInstance()
                        : optional(client, "api/v1/revisions/" + status.path("revision").asLong()),
                optional(client, "readyz")));
        return 0;
    }

    /** What the summary adds to the status document: shown when it can be had, "unknown" otherwise, never a failure. */
    private static JsonNode optional(AdminClient client, String path) {
        try {
            // /readyz answers 503 with {"ready": false}: the body counts, whatever the status code.
            return JSON.readTree(client.get(path).body());
        } catch (IOException e) {
            return MissingNode.getInstance();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MissingNode.getInstance();
        }
    }
}
