package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.api.OpenApiDocument.Located;
import dev.tandem.appliance.api.OpenApiDocument.Operation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code docs/api.md}, the admin API's reference for people, rendered from the OpenAPI document: the
 * operations by tag (method, path, role, summary, description, parameters, request body, responses),
 * then every schema of {@code components/schemas} with its fields. Nothing in it is written by hand, so
 * the reference says what the contract says ({@link ApiReferenceTest} keeps the file in step).
 */
final class ApiReference {

    private static final String SCHEMAS = "#/components/schemas/";

    private final OpenApiDocument document;
    private final StringBuilder out = new StringBuilder();

    private ApiReference(OpenApiDocument document) {
        this.document = document;
    }

    /** The reference of {@code document}, as Markdown. */
    static String render(OpenApiDocument document) {
        return new ApiReference(document).render();
    }

    private String render() {
        JsonNode info = document.root().path("info");
        line("# " + info.path("title").asText() + " " + info.path("version").asText());
        line();
        line("<!-- Generated from appliance/src/main/resources/openapi.yaml by ApiReference (appliance tests);");
        line("     ApiReferenceTest fails when this file differs. Regenerate: ./mvnw -B -o -pl appliance -am test");
        line("     -Dtest=ApiReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dgolden.update=true -->");
        line();
        line("The contract itself is [`openapi.yaml`](../appliance/src/main/resources/openapi.yaml) (OpenAPI 3.1),");
        line("served by every appliance at `GET /openapi.yaml`; this page is rendered from it.");
        line();
        paragraph(info.path("description").asText());
        index();
        for (JsonNode tag : document.root().path("tags")) {
            String name = tag.path("name").asText();
            line("## " + name);
            line();
            paragraph(tag.path("description").asText());
            for (Operation operation : document.operations()) {
                if (operation.tag().equals(name)) {
                    operation(operation);
                }
            }
        }
        line("## Schemas");
        line();
        for (Map.Entry<String, JsonNode> schema :
                document.root().path("components").path("schemas").properties()) {
            line("### " + schema.getKey());
            line();
            paragraph(schema.getValue().path("description").asText());
            fields(schema.getValue());
        }
        return out.toString();
    }

    private void index() {
        line("## Operations");
        line();
        line("| method | path | role | summary |");
        line("|---|---|---|---|");
        for (JsonNode tag : document.root().path("tags")) {
            for (Operation operation : document.operations()) {
                if (operation.tag().equals(tag.path("name").asText())) {
                    line("| " + operation.method() + " | `" + operation.path() + "` | " + operation.role() + " | "
                            + cell(operation.node().path("summary").asText()) + " |");
                }
            }
        }
        line();
    }

    private void operation(Operation operation) {
        JsonNode node = operation.node();
        line("### " + operation.method() + " " + operation.path());
        line();
        line("Role: **" + operation.role() + "** · operation `"
                + node.path("operationId").asText() + "`");
        line();
        paragraph(node.path("summary").asText());
        paragraph(node.path("description").asText());
        JsonNode parameters = node.path("parameters");
        if (!parameters.isEmpty()) {
            line("Parameters:");
            line();
            line("| name | in | type | required | description |");
            line("|---|---|---|---|---|");
            for (int i = 0; i < parameters.size(); i++) {
                JsonNode p = document.resolve(parameters.get(i), operation.pointer() + "/parameters/" + i)
                        .node();
                line("| `" + p.path("name").asText() + "` | " + p.path("in").asText() + " | "
                        + type(p.path("schema")) + " | " + (p.path("required").asBoolean() ? "yes" : "no") + " | "
                        + cell(p.path("description").asText() + constraints(p.path("schema"))) + " |");
            }
            line();
        }
        JsonNode body = node.path("requestBody");
        if (!body.isMissingNode()) {
            line("Request body" + (body.path("required").asBoolean() ? "" : " (optional)") + ":");
            line();
            for (Map.Entry<String, JsonNode> media : body.path("content").properties()) {
                JsonNode schema = media.getValue().path("schema");
                String described = schema.has("$ref") && schema.has("description")
                        ? " " + cell(schema.path("description").asText())
                        : "";
                line("- `" + media.getKey() + "`: " + type(schema) + "." + described);
            }
            line();
            paragraph(body.path("description").asText());
        }
        line("Responses:");
        line();
        line("| status | body | description |");
        line("|---|---|---|");
        for (int status : document.statuses(operation)) {
            Located response = document.response(operation, status).orElseThrow();
            List<String> bodies = new ArrayList<>();
            for (Map.Entry<String, JsonNode> media :
                    response.node().path("content").properties()) {
                bodies.add("`" + media.getKey() + "` " + type(media.getValue().path("schema")));
            }
            List<String> headers = new ArrayList<>();
            response.node().path("headers").fieldNames().forEachRemaining(h -> headers.add("`" + h + "`"));
            String description = response.node().path("description").asText()
                    + (headers.isEmpty() ? "" : " Headers: " + String.join(", ", headers) + ".");
            line("| " + status + " | " + (bodies.isEmpty() ? "none" : String.join("; ", bodies)) + " | "
                    + cell(description) + " |");
        }
        line();
    }

    /** The fields of an object schema, nested objects flattened ({@code security.xds}). */
    private void fields(JsonNode schema) {
        List<String[]> rows = new ArrayList<>();
        collect(schema, "", rows);
        if (rows.isEmpty()) {
            line("Type: " + type(schema) + constraints(schema) + ".");
            line();
            return;
        }
        line("| field | type | required | description |");
        line("|---|---|---|---|");
        for (String[] row : rows) {
            line("| `" + row[0] + "` | " + row[1] + " | " + row[2] + " | " + cell(row[3]) + " |");
        }
        line();
        if (closed(schema)) {
            line("No other fields.");
            line();
        }
    }

    private void collect(JsonNode schema, String prefix, List<String[]> rows) {
        Set<String> required = new LinkedHashSet<>();
        for (JsonNode part : parts(schema)) {
            part.path("required").forEach(r -> required.add(r.asText()));
        }
        for (JsonNode part : parts(schema)) {
            for (Map.Entry<String, JsonNode> property : part.path("properties").properties()) {
                String name = prefix + property.getKey();
                JsonNode value = property.getValue();
                rows.add(new String[] {
                    name,
                    type(value),
                    required.contains(property.getKey()) ? "yes" : "no",
                    value.path("description").asText() + constraints(value)
                });
                if (!value.has("$ref")) {
                    collect(value, name + ".", rows);
                    JsonNode values = value.path("additionalProperties");
                    if (values.isObject() && !values.has("$ref")) {
                        collect(values, name + ".*.", rows);
                    }
                }
            }
        }
    }

    /** A schema and the schemas it is made of by {@code allOf}, references followed. */
    private List<JsonNode> parts(JsonNode schema) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode part : schema.path("allOf")) {
            out.addAll(parts(referenced(part)));
        }
        out.add(schema);
        return out;
    }

    private JsonNode referenced(JsonNode schema) {
        String ref = schema.path("$ref").asText("");
        return ref.startsWith("#") ? document.root().at(ref.substring(1)) : schema;
    }

    private static boolean closed(JsonNode schema) {
        return schema.path("additionalProperties").isBoolean()
                        && !schema.path("additionalProperties").asBoolean()
                || schema.path("unevaluatedProperties").isBoolean()
                        && !schema.path("unevaluatedProperties").asBoolean();
    }

    /** How a schema reads in a table: a link to a named schema, or its type in words. */
    private static String type(JsonNode schema) {
        String ref = schema.path("$ref").asText("");
        if (ref.startsWith(SCHEMAS)) {
            String name = ref.substring(SCHEMAS.length());
            return "[`" + name + "`](#" + name.toLowerCase(Locale.ROOT) + ")";
        }
        if (!ref.isEmpty()) {
            return "`" + ref + "`";
        }
        if (schema.has("const")) {
            return "`" + schema.path("const").asText() + "`";
        }
        if (schema.has("oneOf")) {
            List<String> each = new ArrayList<>();
            schema.path("oneOf").forEach(s -> each.add(type(s)));
            return String.join(" or ", each);
        }
        if (schema.has("enum")) {
            List<String> each = new ArrayList<>();
            schema.path("enum").forEach(v -> each.add("`" + v.asText() + "`"));
            return "one of " + String.join(", ", each);
        }
        JsonNode type = schema.path("type");
        List<String> types = new ArrayList<>();
        if (type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else if (type.isTextual()) {
            types.add(type.asText());
        }
        if (types.isEmpty()) {
            return schema.has("allOf") ? "object" : "any";
        }
        List<String> words = new ArrayList<>();
        for (String t : types) {
            words.add(word(t, schema));
        }
        return String.join(" or ", words);
    }

    private static String word(String type, JsonNode schema) {
        switch (type) {
            case "array":
                return "array of " + type(schema.path("items"));
            case "object":
                JsonNode values = schema.path("additionalProperties");
                return values.isObject() ? "map of " + (values.has("$ref") ? type(values) : "object") : "object";
            case "string":
                return schema.has("format") ? "string (" + schema.path("format").asText() + ")" : "string";
            default:
                return type;
        }
    }

    /** Limits and defaults, appended to a description. */
    private static String constraints(JsonNode schema) {
        List<String> out = new ArrayList<>();
        if (schema.has("minimum") && schema.has("maximum")) {
            out.add(schema.path("minimum").asText() + " to "
                    + schema.path("maximum").asText());
        } else if (schema.has("minimum")) {
            out.add("at least " + schema.path("minimum").asText());
        }
        if (schema.has("maxLength")) {
            out.add("at most " + schema.path("maxLength").asText() + " characters");
        }
        if (schema.has("pattern")) {
            out.add("matches `" + schema.path("pattern").asText() + "`");
        }
        if (schema.has("default")) {
            out.add("default `" + schema.path("default").asText() + "`");
        }
        return out.isEmpty() ? "" : " (" + String.join("; ", out) + ")";
    }

    /** Text for one table cell: on one line, its bars escaped. */
    private static String cell(String text) {
        return text.strip().replaceAll("\\s*\\n\\s*", " ").replace("|", "\\|");
    }

    private void paragraph(String text) {
        if (!text.isBlank()) {
            line(text.strip());
            line();
        }
    }

    private void line(String text) {
        out.append(text).append('\n');
    }

    private void line() {
        out.append('\n');
    }
}
