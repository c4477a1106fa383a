package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The summary of a dry run's answer ({@code POST /api/v1/apply?dryRun=true}): per node group, each
 * resource that would be added ({@code +}), changed ({@code ~}) or removed ({@code -}), by type.
 */
final class DryRunText {

    private static final String[] LISTS = {"added", "changed", "removed"};
    private static final String[] MARKS = {"+", "~", "-"};

    private DryRunText() {}

    static String render(String file, JsonNode answer) {
        StringBuilder out = new StringBuilder();
        String served = answer.has("servedRevision")
                ? "revision " + answer.path("servedRevision").asLong()
                : "nothing (no revision served yet)";
        if (answer.path("unchanged").asBoolean()) {
            out.append(file).append(" is the config of the newest revision: an apply would store nothing\n");
        } else {
            out.append(file)
                    .append(" is valid; an apply would store a new revision (served now: ")
                    .append(served)
                    .append(")\n");
        }
        JsonNode changes = answer.path("changes");
        if (changes.isEmpty()) {
            out.append("no data plane would get a change\n");
            return out.toString();
        }
        for (Iterator<Map.Entry<String, JsonNode>> groups = changes.fields(); groups.hasNext(); ) {
            Map.Entry<String, JsonNode> group = groups.next();
            out.append("node group ").append(group.getKey()).append(":\n");
            for (Iterator<Map.Entry<String, JsonNode>> types = group.getValue().fields(); types.hasNext(); ) {
                Map.Entry<String, JsonNode> type = types.next();
                for (int i = 0; i < LISTS.length; i++) {
                    for (JsonNode name : type.getValue().path(LISTS[i])) {
                        out.append("  ")
                                .append(MARKS[i])
                                .append(' ')
                                .append(String.format("%-10s", type.getKey()))
                                .append(name.asText())
                                .append('\n');
                    }
                }
            }
        }
        return out.toString();
    }
}
