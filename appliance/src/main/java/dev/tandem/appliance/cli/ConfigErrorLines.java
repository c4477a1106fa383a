package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.xds.model.ConfigError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * A refused gateway config's errors, one line each in the form compilers use,
 * {@code FILE:LINE:COLUMN: Route 'orders': spec.timeout ...}, which editors and CI logs turn into links
 * to the place. The same lines from {@code tandem check} (the loader's errors) and from the admin
 * API's 400 answer ({@code errors}).
 */
final class ConfigErrorLines {

    private ConfigErrorLines() {}

    static void print(PrintWriter err, Path file, List<ConfigError> errors) {
        errors.forEach(e -> err.println(e.position().known() ? file + ":" + e.located() : file + ": " + e));
        err.flush();
    }

    /**
     * The errors of an admin API answer: its {@code errors} with their places when it has them (an
     * invalid config), otherwise its {@code details}.
     */
    static void print(PrintWriter err, Path file, JsonNode answer) {
        JsonNode errors = answer.path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
            for (JsonNode e : errors) {
                String field = e.path("field").asText("");
                String message = e.path("document").asText() + ": " + (field.isEmpty() ? "" : field + " ")
                        + e.path("reason").asText();
                err.println(
                        e.has("line")
                                ? file + ":" + e.path("line").asInt() + ":"
                                        + e.path("column").asInt() + ": " + message
                                : file + ": " + message);
            }
        } else {
            answer.path("details").forEach(d -> err.println("  " + d.asText()));
        }
        err.flush();
    }
}
