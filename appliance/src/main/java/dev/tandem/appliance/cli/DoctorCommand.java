package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.appliance.Jackson;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem doctor}: whether the whole cluster is healthy. It asks the node {@code --server}
 * names for the members, asks every member's {@code GET /api/v1/cluster/health} (same token, same
 * CA: tokens replicate), and adds what no single node can see: exactly one writer, one epoch,
 * clocks within a second of this host's (measured as the answer's time against the middle of the
 * round trip). Each problem is one line with what to do.
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = "Check the whole cluster: one writer, roles and epochs, replication, lease, export, data planes, "
                + "NACKs, certificates, clocks; every problem with what to do.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:healthy (warnings may be printed)",
            "1:the node asked refused (for example a bad token)",
            "2:bad command line",
            "3:could not run (the node asked is unreachable)",
            "5:unhealthy: at least one problem of severity error"
        })
final class DoctorCommand extends AdminCommand {

    /** A clock further off than this is reported: logs, certificates and lease timings read clocks. */
    static final long CLOCK_TOLERANCE_MS = 1_000;

    private static final ObjectMapper JSON = Jackson.MAPPER;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    int run(AdminCalls admin) throws Exception {
        AdminCalls.Reply peers = admin.get("api/v1/peers");
        if (peers.exit() != 0) {
            return peers.exit();
        }
        ObjectNode report = JSON.createObjectNode();
        report.put("cluster", peers.json().path("cluster").asText());
        ArrayNode members = report.putArray("members");
        ArrayNode problems = report.putArray("problems");
        for (JsonNode member : peers.json().path("members")) {
            members.add(examine(admin, member, problems));
        }
        crossChecks(members, problems);
        boolean healthy = true;
        for (JsonNode p : problems) {
            healthy &= !p.path("severity").asText().equals("error");
        }
        report.put("healthy", healthy);
        output.print(spec.commandLine().getOut(), report, () -> text(report));
        return healthy ? 0 : TandemCommand.UNHEALTHY;
    }

    /** One member's answer, or why there is none (a problem). */
    private static ObjectNode examine(AdminCalls admin, JsonNode member, ArrayNode problems)
            throws InterruptedException {
        String name = member.path("name").asText();
        ObjectNode out = JSON.createObjectNode();
        out.put("name", name);
        out.put("adminUrl", member.path("adminUrl").asText(null));
        try {
            AdminClient client = member.hasNonNull("adminUrl")
                    ? admin.clientFor(URI.create(member.path("adminUrl").asText()))
                    : admin.client();
            // Two answers: the first pays for the TLS handshake, and the one with the shorter round trip
            // bounds the clock offset more tightly (as NTP keeps its best sample).
            Timed first = Timed.get(client);
            Timed second = first.answer().statusCode() == 200 ? Timed.get(client) : first;
            Timed best = second.roundTripMs() <= first.roundTripMs() ? second : first;
            HttpResponse<String> answer = best.answer();
            if (answer.statusCode() != 200) {
                out.put("reachable", true);
                JsonNode body = parse(answer.body());
                problem(
                        problems,
                        name,
                        "reachable",
                        "error",
                        "answered HTTP " + answer.statusCode() + ": "
                                + body.path("error").asText(answer.body()),
                        answer.statusCode() == 401 || answer.statusCode() == 403
                                ? "give a token every peer accepts (tokens replicate from the active)"
                                : "see that node's log");
                return out;
            }
            JsonNode health = parse(answer.body());
            out.put("reachable", true);
            out.set("health", health);
            try {
                long theirs = Instant.parse(health.path("now").asText()).toEpochMilli();
                out.put("clockOffsetMs", theirs - (best.sentMs() + best.roundTripMs() / 2));
                out.put("roundTripMs", best.roundTripMs());
            } catch (DateTimeParseException e) {
                out.putNull("clockOffsetMs");
            }
            for (JsonNode p : health.path("problems")) {
                problem(
                        problems,
                        name,
                        p.path("check").asText(),
                        p.path("severity").asText(),
                        p.path("message").asText(),
                        p.path("action").asText());
            }
        } catch (IOException e) {
            out.put("reachable", false);
            out.put("error", why(e));
            problem(
                    problems,
                    name,
                    "reachable",
                    "error",
                    "unreachable at " + member.path("adminUrl").asText("(this node)") + ": "
                            + out.path("error").asText(),
                    member.path("role").asText().equals("active")
                            ? "if its host is down, see the failover runbook: tandem promote on the sync standby"
                            : "start it, or check its host and network");
        }
        return out;
    }

    /** One {@code GET /api/v1/cluster/health}, with when it was sent and how long the answer took (wall clock, ms). */
    private record Timed(HttpResponse<String> answer, long sentMs, long roundTripMs) {

        static Timed get(AdminClient client) throws IOException, InterruptedException {
            long sent = System.currentTimeMillis();
            HttpResponse<String> answer = client.get("api/v1/cluster/health");
            return new Timed(answer, sent, System.currentTimeMillis() - sent);
        }
    }

    /** The first message along the causes: the JDK's client wraps "Connection refused" in a bare ConnectException. */
    private static String why(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e instanceof ConnectException
                ? "connection refused (nothing listens there, or a firewall refuses it)"
                : e.getClass().getSimpleName();
    }

    /** What only every answer together shows: one writer, one epoch, clocks in step. */
    static void crossChecks(ArrayNode members, ArrayNode problems) {
        List<String> writers = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        long epoch = 0;
        for (JsonNode m : members) {
            if (!m.path("health").isObject()) {
                unreachable.add(m.path("name").asText());
                continue;
            }
            if (m.path("health").path("writable").asBoolean()) {
                writers.add(m.path("name").asText());
            }
            epoch = Math.max(epoch, m.path("health").path("epoch").asLong());
        }
        if (writers.size() > 1) {
            problem(
                    problems,
                    null,
                    "writer",
                    "error",
                    writers.size() + " peers accept writes: " + String.join(", ", writers),
                    "keep the one of the highest epoch; stop the others (fencing should prevent this: report it)");
        } else if (writers.isEmpty()) {
            problem(
                    problems,
                    null,
                    "writer",
                    "error",
                    "no reachable peer accepts writes",
                    unreachable.isEmpty()
                            ? "a switch or promotion may be under way; run tandem doctor again, then tandem peers"
                            : "if " + String.join(", ", unreachable)
                                    + " is down, see the failover runbook: tandem promote on the sync standby");
        }
        for (JsonNode m : members) {
            JsonNode health = m.path("health");
            if (!health.isObject()) {
                continue;
            }
            if (health.path("epoch").asLong() < epoch) {
                problem(
                        problems,
                        m.path("name").asText(),
                        "epoch",
                        "error",
                        "at epoch " + health.path("epoch").asLong() + ", others at " + epoch
                                + ": it has not learnt of the newer active",
                        "it demotes when it hears the active of epoch " + epoch + "; check the peer link to it");
            }
            if (m.path("clockOffsetMs").isNumber()
                    && Math.abs(m.path("clockOffsetMs").asLong()) > CLOCK_TOLERANCE_MS) {
                problem(
                        problems,
                        m.path("name").asText(),
                        "clock",
                        "warning",
                        String.format(
                                Locale.ROOT,
                                "its clock is %.1f s off this host's",
                                m.path("clockOffsetMs").asLong() / 1000.0),
                        "run NTP (chrony) on every peer: safety never depends on clocks, but logs, audit times and "
                                + "certificates do");
            }
        }
    }

    private static void problem(
            ArrayNode problems, String member, String check, String severity, String message, String action) {
        ObjectNode p = problems.addObject();
        if (member == null) {
            p.putNull("member");
        } else {
            p.put("member", member);
        }
        p.put("check", check);
        p.put("severity", severity);
        p.put("message", message);
        p.put("action", action);
    }

    static String text(JsonNode report) {
        StringBuilder out = new StringBuilder();
        Table table = new Table("NAME", "ROLE", "EPOCH", "REVISION", "SERVING", "WRITES", "CLOCK", "DATA PLANES");
        for (JsonNode m : report.path("members")) {
            JsonNode h = m.path("health");
            if (!h.isObject()) {
                table.row(m.path("name").asText(), "unreachable", null, null, null, null, null, null);
                continue;
            }
            List<String> planes = new ArrayList<>();
            h.path("dataPlanes")
                    .properties()
                    .forEach(e -> planes.add(e.getKey() + " " + e.getValue().asInt()));
            table.row(
                    m.path("name").asText(),
                    h.path("role").asText(),
                    h.path("epoch").asLong(),
                    h.path("revision").asLong(),
                    h.path("serving").asBoolean() ? "yes" : "NO",
                    h.path("writable").asBoolean() ? "yes" : "no",
                    m.path("clockOffsetMs").isNumber()
                            ? String.format(
                                    Locale.ROOT,
                                    "%+d ms",
                                    m.path("clockOffsetMs").asLong())
                            : null,
                    planes.isEmpty() ? null : String.join(", ", planes));
        }
        out.append(table);
        for (JsonNode p : report.path("problems")) {
            out.append(p.path("severity").asText().equals("error") ? "PROBLEM " : "WARNING ")
                    .append(
                            p.path("member").isNull()
                                    ? "cluster"
                                    : p.path("member").asText())
                    .append(": ")
                    .append(p.path("check").asText())
                    .append(": ")
                    .append(p.path("message").asText())
                    .append(" -> ")
                    .append(p.path("action").asText())
                    .append('\n');
        }
        out.append(
                report.path("healthy").asBoolean()
                        ? "healthy: " + report.path("members").size() + " peer(s) of cluster "
                                + report.path("cluster").asText() + " checked\n"
                        : "UNHEALTHY: fix the problems above, then run tandem doctor again\n");
        return out.toString();
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
