package dev.tandem.appliance.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tandem.appliance.Jackson;
import java.io.PrintWriter;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The {@code -o/--output} of commands that print an admin API answer: a summary for a terminal by
 * default, the answer itself for scripts. An unknown value is a usage error (exit 2) naming the formats.
 */
final class OutputOption {

    /** How the answer is printed. */
    enum Format {
        text,
        json,
        yaml
    }

    // The writer the admin API answers with (api.Json), so -o json prints what the API sent, byte for byte.
    private static final ObjectWriter JSON = Jackson.INDENTED;
    // Quotes only where a reader would take a string for something else: a version or name such as
    // 12345678 must stay a string, and MINIMIZE_QUOTES alone writes it bare.
    private static final ObjectWriter YAML = new ObjectMapper(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .build())
            .writer();

    @Option(
            names = {"-o", "--output"},
            defaultValue = "text",
            paramLabel = "FORMAT",
            description = "text (a summary, the default), json (the admin API's answer, for scripts) or yaml.")
    Format format = Format.text;

    /** Prints {@code answer} in the chosen format; {@code text} is only asked for the text format. */
    void print(PrintWriter out, JsonNode answer, Supplier<String> text) {
        out.print(
                switch (format) {
                    case text -> text.get();
                    case json -> write(JSON, answer) + "\n";
                    case yaml -> write(YAML, answer);
                });
        out.flush();
    }

    boolean text() {
        return format == Format.text;
    }

    private static String write(ObjectWriter writer, JsonNode answer) {
        try {
            return writer.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree is always writable", e);
        }
    }
}
