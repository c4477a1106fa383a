package dev.tandem.appliance.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tandem rollback N}: stores revision N's config again as the next revision, on the server,
 * with its secrets intact ({@code POST /api/v1/revisions/N/restore}); re-applying what
 * {@code GET /api/v1/revisions/N} shows would not do, because that redacts private keys.
 */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = "Apply a stored revision's config again as a new revision (audited as a restore).")
final class RollbackCommand extends AdminCommand {

    @Parameters(index = "0", paramLabel = "REVISION", description = "The revision to go back to.")
    long revision;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        AdminCalls.Reply reply = admin.postEmpty("api/v1/revisions/" + revision + "/restore", 201, 200);
        return admin.done(
                reply,
                json -> json.path("unchanged").asBoolean()
                        ? "unchanged: revision " + revision + " is the config of the newest revision "
                                + json.path("revision").asLong()
                        : "restored revision " + revision + " as revision "
                                + json.path("revision").asLong()
                                + " (node groups " + json.path("nodeGroups") + ")"
                                + (json.path("published").asBoolean(true)
                                        ? ""
                                        : "; not published yet: "
                                                + json.path("publishError").asText()));
    }
}
