package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tandem peers}: the cluster as the node it asks sees it ({@code GET /api/v1/peers}). */
@Command(
        name = "peers",
        mixinStandardHelpOptions = true,
        description = "Show every peer: role, epoch, log position, replication lag, last contact, serving, sync.",
        subcommands = PeersDivergedCommand.class)
final class PeersCommand extends AdminCommand {

    @Mixin
    OutputOption output;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        return admin.show("api/v1/peers", output, PeersCommand::text);
    }

    static String text(JsonNode peers) {
        StringBuilder out = new StringBuilder();
        out.append("cluster ")
                .append(peers.path("cluster").asText())
                .append(", epoch ")
                .append(peers.path("epoch").asLong())
                .append(", active ")
                .append(peers.path("active").path("name").asText("(none known)"));
        if (peers.hasNonNull("replication")) {
            out.append(", replication ")
                    .append(peers.path("replication").asText())
                    .append(", sync standby ")
                    .append(peers.path("syncStandby").asText("(none)"));
        }
        if (peers.path("degraded").asBoolean()) {
            out.append("\nDEGRADED: no synchronous standby acknowledges writes; a failover may lose acknowledged ones");
        }
        JsonNode diverged = peers.path("diverged");
        if (diverged.isArray() && !diverged.isEmpty()) {
            List<String> revisions = new ArrayList<>();
            diverged.forEach(e -> {
                if (e.path("revision").isNumber()) {
                    revisions.add(e.path("revision").asText());
                }
            });
            out.append("\nDIVERGED: this node moved ")
                    .append(diverged.size())
                    .append(diverged.size() == 1 ? " entry" : " entries")
                    .append(" aside when it rejoined a new active (never acknowledged");
            if (!revisions.isEmpty()) {
                out.append("; revisions ").append(String.join(", ", revisions));
            }
            out.append("); tandem peers diverged show EPOCH:INDEX prints one");
        }
        JsonNode lease = peers.path("lease");
        if (lease.isObject()) {
            out.append("\nlease: holder ")
                    .append(lease.path("holder").asText("(none)"))
                    .append(", epoch ")
                    .append(lease.path("epoch").asText("-"))
                    .append(", ttl ")
                    .append(lease.path("ttl").asText("-"));
        }
        out.append("\n(as ").append(peers.path("self").asText()).append(" sees it)\n");
        Table table = new Table(
                "NAME", "ROLE", "EPOCH", "LAST INDEX", "COMMIT", "LAG", "CONTACT", "SERVING", "SYNC", "ADMIN URL");
        for (JsonNode m : peers.path("members")) {
            boolean self = m.path("self").asBoolean();
            table.row(
                    m.path("name").asText() + (self ? " (this node)" : ""),
                    m.path("role").asText(),
                    self ? m.path("epoch").asText() : null,
                    self
                            ? m.path("lastIndex").asText()
                            : m.path("matchIndex").isNull()
                                    ? null
                                    : m.path("matchIndex").asText(),
                    self ? m.path("commitIndex").asText() : null,
                    m.path("lagEntries").isNumber() ? m.path("lagEntries").asText() : null,
                    m.path("lastContactMs").isNumber()
                            ? m.path("lastContactMs").asLong() + " ms ago"
                            : self ? null : "unknown",
                    self
                            ? (m.path("serving").asBoolean()
                                    ? "yes"
                                    : "NO: " + m.path("servingReason").asText())
                            : null,
                    m.path("sync").asBoolean() ? "sync" : null,
                    m.path("adminUrl").asText(null));
        }
        return out.append(table).toString();
    }
}
