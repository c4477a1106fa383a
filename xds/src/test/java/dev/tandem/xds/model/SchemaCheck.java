package dev.tandem.xds.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway config's JSON Schema as the tests read it: loaded from the classpath by networknt (as
 * the built jar holds it), validated against the draft 2020-12 meta-schema, and walked by JSON pointer
 * to tell which of its subschemas apply to a value of a document, so that tests can ask what the
 * schema requires, closes and restricts there.
 *
 * <p>Thread-safe once loaded.
 */
final class SchemaCheck {

    static final String ID = "https://tandem.dev/schemas/gateway-config.schema.json";
    static final String RESOURCE = "schema/gateway-config.schema.json";

    private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";
    /** Keywords whose subschemas constrain the fields declared beside them rather than declare fields. */
    private static final Set<String> CONDITIONS = Set.of("if", "then", "else", "not", "allOf", "anyOf", "oneOf");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaRegistry registry;
    private final JsonNode root;
    private final Schema schema;
    /** The {@code if} subschemas, by schema pointer: each is asked of every value it may apply to. */
    private final Map<String, Schema> conditions = new ConcurrentHashMap<>();

    private SchemaCheck(SchemaRegistry registry, JsonNode root) {
        this.registry = registry;
        this.root = root;
        this.schema = registry.getSchema(SchemaLocation.of(ID));
    }

    static SchemaCheck load() {
        // The $id is where the appliance serves the schema; here it resolves to the classpath copy.
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaIdResolvers(
                        ids -> ids.mapPrefix("https://tandem.dev/schemas/", "classpath:schema/")));
        try (InputStream in = SchemaCheck.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            return new SchemaCheck(registry, JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema's own JSON. */
    JsonNode root() {
        return root;
    }

    /** What the draft 2020-12 meta-schema says is wrong with the schema, its regexes' syntax included. */
    List<String> metaSchemaErrors() {
        return registry
                .getSchema(SchemaLocation.of(META_SCHEMA))
                .validate(root, context -> context.executionConfig(config -> config.formatAssertionsEnabled(true)))
                .stream()
                .map(Object::toString)
                .toList();
    }

    /** Why the schema refuses {@code document}, one line per error; empty when it accepts it. */
    List<String> errors(JsonNode document) {
        return schema.validate(document).stream().map(Object::toString).toList();
    }

    /** The subschemas (pointers into the schema) that apply to a whole document. */
    List<String> applicableToDocument(JsonNode document) {
        return applicable(List.of(""), document);
    }

    /** The subschemas that apply to the value of property {@code name} of an object {@code schemas} apply to. */
    List<String> applicableToProperty(List<String> schemas, String name, JsonNode value) {
        List<String> declared = new ArrayList<>();
        for (String at : schemas) {
            String property = at + "/properties/" + escape(name);
            if (!root.at(property).isMissingNode()) {
                declared.add(property);
            }
        }
        return applicable(declared, value);
    }

    /** The subschemas that apply to an item of an array {@code schemas} apply to. */
    List<String> applicableToItem(List<String> schemas, JsonNode item) {
        List<String> declared = new ArrayList<>();
        for (String at : schemas) {
            if (root.at(at).has("items")) {
                declared.add(at + "/items");
            }
        }
        return applicable(declared, item);
    }

    /** The fields these subschemas require of an object. */
    Set<String> required(List<String> schemas) {
        Set<String> out = new LinkedHashSet<>();
        for (String at : schemas) {
            root.at(at).path("required").forEach(name -> out.add(name.asText()));
        }
        return out;
    }

    /** Whether these subschemas refuse fields they do not declare. */
    boolean closed(List<String> schemas) {
        return schemas.stream()
                .anyMatch(at -> root.at(at).path("additionalProperties").isBoolean()
                        && !root.at(at).path("additionalProperties").asBoolean());
    }

    /** The texts these subschemas allow a value to be, when one of them says; empty when none does. */
    Set<String> choices(List<String> schemas) {
        Set<String> out = new LinkedHashSet<>();
        for (String at : schemas) {
            root.at(at).path("enum").forEach(choice -> {
                if (choice.isTextual()) {
                    out.add(choice.asText());
                }
            });
        }
        return out;
    }

    /**
     * What an editor would show without a description: each field declared under {@code properties}
     * and each definition that has none, and each condition ({@code if}, {@code oneOf}, ...) that names a
     * field not declared beside it.
     */
    List<String> undescribed() {
        List<String> out = new ArrayList<>();
        undescribed(root, "", out);
        return out;
    }

    /** The pointers of every {@code keyword} in the schema's declarations (outside its conditions). */
    List<String> pointersOf(String keyword) {
        List<String> out = new ArrayList<>();
        pointersOf(root, "", keyword, out);
        return out;
    }

    private static void undescribed(JsonNode node, String at, List<String> out) {
        Set<String> declared = new TreeSet<>();
        for (Map.Entry<String, JsonNode> field : node.path("properties").properties()) {
            declared.add(field.getKey());
            described(field.getValue(), at + "/properties/" + escape(field.getKey()), out);
        }
        if (node.has("items")) {
            undescribed(node.get("items"), at + "/items", out);
        }
        for (Map.Entry<String, JsonNode> def : node.path("$defs").properties()) {
            described(def.getValue(), at + "/$defs/" + escape(def.getKey()), out);
        }
        for (String keyword : CONDITIONS) {
            if (node.has(keyword)) {
                Set<String> named = new TreeSet<>();
                namedIn(node.get(keyword), named);
                named.removeAll(declared);
                if (!named.isEmpty()) {
                    out.add(at + "/" + keyword + " names fields not declared beside it: " + named);
                }
            }
        }
    }

    private static void described(JsonNode node, String at, List<String> out) {
        if (node.path("description").asText().isBlank()) {
            out.add(at + " has no description");
        }
        undescribed(node, at, out);
    }

    /** The fields a condition names in its properties and required, at any depth of conditions. */
    private static void namedIn(JsonNode condition, Set<String> out) {
        if (condition.isArray()) {
            condition.forEach(c -> namedIn(c, out));
            return;
        }
        for (Map.Entry<String, JsonNode> field : condition.path("properties").properties()) {
            out.add(field.getKey());
        }
        condition.path("required").forEach(name -> out.add(name.asText()));
        for (String keyword : CONDITIONS) {
            if (condition.has(keyword)) {
                namedIn(condition.get(keyword), out);
            }
        }
    }

    private static void pointersOf(JsonNode node, String at, String keyword, List<String> out) {
        if (node.has(keyword)) {
            out.add(at + "/" + keyword);
        }
        for (String container : List.of("properties", "$defs")) {
            for (Map.Entry<String, JsonNode> entry : node.path(container).properties()) {
                pointersOf(entry.getValue(), at + "/" + container + "/" + escape(entry.getKey()), keyword, out);
            }
        }
        if (node.has("items")) {
            pointersOf(node.get("items"), at + "/items", keyword, out);
        }
    }

    /**
     * {@code declared} and what they bring in for {@code value}: each one's {@code $ref}, its {@code allOf}
     * and, of its {@code if}, the branch that {@code value} takes. {@code oneOf}, {@code anyOf} and
     * {@code not} are left out: they constrain a value, they declare no field.
     */
    private List<String> applicable(List<String> declared, JsonNode value) {
        List<String> out = new ArrayList<>();
        for (String at : declared) {
            expand(at, value, out);
        }
        return out;
    }

    private void expand(String at, JsonNode value, List<String> out) {
        JsonNode node = root.at(at);
        out.add(at);
        if (node.has("$ref")) {
            // Only local references: "#/$defs/Name" is the pointer "/$defs/Name".
            expand(node.get("$ref").asText().substring(1), value, out);
        }
        for (int i = 0; i < node.path("allOf").size(); i++) {
            expand(at + "/allOf/" + i, value, out);
        }
        if (node.has("if")) {
            String branch = holds(at + "/if", value) ? "then" : "else";
            if (node.has(branch)) {
                expand(at + "/" + branch, value, out);
            }
        }
    }

    private boolean holds(String condition, JsonNode value) {
        return conditions
                .computeIfAbsent(condition, at -> registry.getSchema(SchemaLocation.of(ID + "#" + at)))
                .validate(value)
                .isEmpty();
    }

    private static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
