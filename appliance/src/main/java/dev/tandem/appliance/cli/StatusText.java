package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.xds.snapshot.XdsType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.StreamSupport;

/**
 * The text form of {@code tandem status}: header lines, then the node groups and the connected data
 * planes as tables, then the reasons (NACKs, halts, export errors) a table cell can only point to.
 */
final class StatusText {

    /** The resource types in the order the API lists a group's versions. */
    private static final List<String> TYPES =
            Arrays.stream(XdsType.values()).map(XdsType::shortName).toList();

    private StatusText() {}

    /**
     * @param status   the answer of {@code GET /api/v1/status}
     * @param revision {@code GET /api/v1/revisions/N} of the current revision, or a missing node when unknown
     * @param ready    {@code GET /readyz}, or a missing node when unknown
     */
    static String render(JsonNode status, JsonNode revision, JsonNode ready) {
        StringBuilder out = new StringBuilder();
        header(out, "node", status.path("node").asText());
        header(out, "role", status.path("role").asText());
        header(out, "revision", revision(status.path("revision").asLong(), revision));
        header(
                out,
                "serving",
                !ready.path("ready").isBoolean()
                        ? "unknown (/readyz did not answer)"
                        : ready.path("ready").asBoolean()
                                ? "ready"
                                : "NOT READY (the xDS servers or the snapshots are not up)");
        JsonNode publication = status.path("publication");
        if (publication.has("published") && !publication.path("published").asBoolean()) {
            header(
                    out,
                    "publish",
                    publication.hasNonNull("error")
                            ? "revision " + publication.path("revision").asLong() + " NOT published (attempt "
                                    + publication.path("attempts").asInt() + ", since "
                                    + Table.time(publication.path("since")) + "): "
                                    + publication.path("error").asText() + "; it is stored and retried"
                            : "revision " + publication.path("revision").asLong() + " being published");
        }
        header(out, "xds", status.path("security").path("xds").asText());
        header(out, "export", export(status.path("export")));
        if (status.path("security").hasNonNull("warning")) {
            header(out, "WARNING", status.path("security").path("warning").asText());
        }
        JsonNode groups = status.path("nodeGroups");
        out.append('\n')
                .append(groups.isEmpty() ? "no node groups served\n" : groupTable(groups, status.path("export")));
        List<String> notes = new ArrayList<>();
        groups.properties()
                .forEach(g -> halt(g.getKey(), g.getValue().path("rollout").path("halted"), notes));
        status.path("export")
                .path("nodeGroups")
                .properties()
                .forEach(g -> exportError(g.getKey(), g.getValue(), notes));
        notes(out, notes);
        List<JsonNode> planes = StreamSupport.stream(status.path("dataPlanes").spliterator(), false)
                .sorted(Comparator.comparing((JsonNode d) -> d.path("nodeGroup").asText())
                        .thenComparing(d -> d.path("nodeId").asText()))
                .toList();
        out.append('\n').append(planes.isEmpty() ? "no data planes connected\n" : dataPlaneTable(planes, groups));
        notes.clear();
        planes.forEach(d -> nack(d, notes));
        notes(out, notes);
        return out.toString();
    }

    private static void header(StringBuilder out, String label, String value) {
        out.append(String.format("%-10s%s%n", label + ":", value));
    }

    private static String revision(long number, JsonNode revision) {
        if (number == 0) {
            return "none applied yet";
        }
        if (revision.path("number").asLong() != number) {
            return String.valueOf(number);
        }
        String from = revision.path("appliedFrom").asText("");
        return number + ", applied by " + revision.path("appliedBy").asText() + (from.isEmpty() ? "" : " from " + from)
                + " at " + Table.time(revision.path("appliedAt"));
    }

    private static String export(JsonNode export) {
        if (export.isMissingNode() || export.isNull()) {
            return "disabled (export.enabled: false)";
        }
        List<String> behind = new ArrayList<>();
        export.path("nodeGroups").properties().forEach(g -> {
            long lag = g.getValue().path("lag").asLong();
            if (lag > 0) {
                behind.add(g.getKey() + " " + lag + " behind");
            }
        });
        return "to " + export.path("store").asText() + ", "
                + (behind.isEmpty() ? "up to date" : String.join(", ", behind));
    }

    private static String groupTable(JsonNode groups, JsonNode export) {
        List<String> headers = new ArrayList<>(List.of("NODE GROUP", "REVISION"));
        TYPES.forEach(t -> headers.add(t.toUpperCase(Locale.ROOT)));
        headers.addAll(List.of("EXPORTED", "ROLLOUT"));
        Table table = new Table(headers.toArray(String[]::new));
        groups.properties().forEach(g -> {
            JsonNode group = g.getValue();
            List<Object> row =
                    new ArrayList<>(List.of(g.getKey(), group.path("revision").asLong()));
            TYPES.forEach(t -> row.add(Table.version(group.path("versions").path(t))));
            JsonNode exported = export.path("nodeGroups").path(g.getKey());
            row.add(
                    exported.isMissingNode()
                            ? null
                            : exported.path("exportedRevision").asLong()
                                    + (exported.path("lag").asLong() == 0
                                            ? ""
                                            : " (" + exported.path("lag").asLong() + " behind)"));
            JsonNode rollout = group.path("rollout");
            row.add(
                    rollout.hasNonNull("halted")
                            ? "HALTED"
                            : rollout.path("haltOnNack").asBoolean() ? "halts on NACK" : null);
            table.row(row.toArray());
        });
        return table.toString();
    }

    private static String dataPlaneTable(List<JsonNode> planes, JsonNode groups) {
        List<String> headers = new ArrayList<>(List.of("DATA PLANE", "NODE GROUP", "PROTOCOL"));
        TYPES.forEach(t -> headers.add(t.toUpperCase(Locale.ROOT)));
        headers.addAll(List.of("NACKS", "CONNECTED"));
        Table table = new Table(headers.toArray(String[]::new));
        for (JsonNode d : planes) {
            List<Object> row = new ArrayList<>(List.of(
                    d.path("nodeId").asText(),
                    d.path("nodeGroup").asText(),
                    d.path("protocol").asText()));
            JsonNode served = groups.path(d.path("nodeGroup").asText()).path("versions");
            TYPES.forEach(t -> row.add(
                    rejects(d, t, served)
                            ? "NACK " + Table.version(d.path("lastNack").path("rejectedVersion"))
                            : Table.version(d.path("acked").path(t))));
            row.add(d.path("nacks").asLong());
            row.add(Table.time(d.path("connectedAt")));
            table.row(row.toArray());
        }
        return table.toString();
    }

    /** Whether the data plane's last NACK is of the version of {@code type} its group serves now. */
    private static boolean rejects(JsonNode dataPlane, String type, JsonNode served) {
        JsonNode nack = dataPlane.path("lastNack");
        return nack.path("type").asText().equals(type)
                && served.path(type).isTextual()
                && nack.path("rejectedVersion")
                        .asText()
                        .equals(served.path(type).asText());
    }

    private static void halt(String group, JsonNode halted, List<String> notes) {
        if (halted.isObject()) {
            notes.add("rollout of " + group + " halted at revision "
                    + halted.path("revision").asLong() + ": "
                    + halted.path("nodeId").asText() + " rejected "
                    + halted.path("type").asText() + " "
                    + Table.version(halted.path("version")) + " at " + Table.time(halted.path("at")) + ": "
                    + halted.path("detail").asText());
        }
    }

    private static void exportError(String group, JsonNode export, List<String> notes) {
        if (export.path("lag").asLong() > 0 && export.hasNonNull("lastError")) {
            notes.add("export of " + group + " revision "
                    + export.path("revision").asLong() + " failed at " + Table.time(export.path("lastErrorAt")) + ": "
                    + export.path("lastError").asText());
        }
    }

    private static void nack(JsonNode dataPlane, List<String> notes) {
        JsonNode nack = dataPlane.path("lastNack");
        if (nack.isObject()) {
            notes.add(dataPlane.path("nodeId").asText() + " last rejected "
                    + nack.path("type").asText() + " "
                    + Table.version(nack.path("rejectedVersion")) + " at " + Table.time(nack.path("at")) + ": "
                    + nack.path("detail").asText());
        }
    }

    private static void notes(StringBuilder out, List<String> notes) {
        if (!notes.isEmpty()) {
            out.append('\n');
            notes.forEach(n -> out.append(n).append('\n'));
        }
    }
}
