package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.node.MissingNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tandem status}: the node's role, revision, node groups and connected data planes; a summary
 * ({@link StatusText}), or the status document itself with {@code -o json|yaml}.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show the node's role, revision, node groups and data planes.")
final class StatusCommand extends AdminCommand {

    @Mixin
    OutputOption output;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        // What the summary adds to the status document: shown when it can be had, "unknown" otherwise, never a failure;
        // /readyz answers 503 with {"ready": false}: the body counts, whatever the status code.
        return admin.show(
                "api/v1/status",
                output,
                status -> StatusText.render(
                        status,
                        status.path("revision").asLong() == 0
                                ? MissingNode.getInstance()
                                : admin.bodyIfAny("api/v1/revisions/"
                                        + status.path("revision").asLong()),
                        admin.bodyIfAny("readyz")));
    }
}
