package dev.tandem.xds.model;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tandem.xds.model.ConfigMutation.Change;
import dev.tandem.xds.model.ConfigMutation.Expected;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Generates, from a valid config and the schema, the changes whose verdicts the schema and the loader
 * must agree on: each field removed (a required one must be refused by both), an unknown field added
 * to each mapping (refused by both where the schema closes it), each value set to null, each scalar
 * replaced by a list, a mapping and a scalar of another type (refused by both), and each choice
 * misspelt and spelt in another case (refused by both).
 */
final class ConfigMutations {

    /** A field no reader knows. */
    static final String UNKNOWN_FIELD = "notAField";

    private final SchemaCheck schema;
    private final ConfigDocuments config;
    private final List<ConfigMutation> out = new ArrayList<>();

    private ConfigMutations(SchemaCheck schema, ConfigDocuments config) {
        this.schema = schema;
        this.config = config;
    }

    static List<ConfigMutation> of(SchemaCheck schema, ConfigDocuments config) {
        ConfigMutations mutations = new ConfigMutations(schema, config);
        for (int i = 0; i < config.documents().size(); i++) {
            JsonNode document = config.documents().get(i);
            if (document.isObject()) {
                mutations.container(i, schema.applicableToDocument(document), document, JsonPointer.empty());
            }
        }
        return List.copyOf(mutations.out);
    }

    /** The changes to the fields of a mapping or the items of a list, and to the mapping itself. */
    private void container(int document, List<String> schemas, JsonNode node, JsonPointer at) {
        if (node.isObject()) {
            Expected unknown =
                    schema.closed(schemas) ? Expected.BOTH_REFUSE : Expected.LOADER_REFUSES_WHAT_THE_SCHEMA_REFUSES;
            add(
                    document,
                    at.appendProperty(UNKNOWN_FIELD),
                    Change.UNKNOWN_FIELD_ADDED,
                    "an unknown field added",
                    unknown,
                    d -> ((ObjectNode) d.at(at)).put(UNKNOWN_FIELD, "x"));
            Set<String> required = schema.required(schemas);
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String name = field.getKey();
                JsonPointer child = at.appendProperty(name);
                add(
                        document,
                        child,
                        Change.REMOVED,
                        required.contains(name) ? "removed (required)" : "removed",
                        required.contains(name)
                                ? Expected.BOTH_REFUSE
                                : Expected.LOADER_REFUSES_WHAT_THE_SCHEMA_REFUSES,
                        d -> ((ObjectNode) d.at(at)).remove(name));
                value(document, schema.applicableToProperty(schemas, name, field.getValue()), field.getValue(), child);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                value(document, schema.applicableToItem(schemas, node.get(i)), node.get(i), at.appendIndex(i));
            }
        }
    }

    /** The changes to one value, a field's or an item's, and to what it holds. */
    private void value(int document, List<String> schemas, JsonNode value, JsonPointer at) {
        if (value.isNull()) {
            return;
        }
        replace(
                document,
                at,
                Change.SET_TO_NULL,
                "set to null",
                Expected.LOADER_REFUSES_WHAT_THE_SCHEMA_REFUSES,
                NullNode.getInstance());
        if (value.isContainerNode()) {
            container(document, schemas, value, at);
            return;
        }
        ArrayNode list = JsonNodeFactory.instance.arrayNode().add(value.deepCopy());
        replace(document, at, Change.REPLACED_BY_A_LIST, "replaced by " + list, Expected.BOTH_REFUSE, list);
        ObjectNode mapping = JsonNodeFactory.instance.objectNode().set("value", value.deepCopy());
        replace(document, at, Change.REPLACED_BY_A_MAPPING, "replaced by " + mapping, Expected.BOTH_REFUSE, mapping);
        JsonNode other = value.isTextual() ? IntNode.valueOf(7) : TextNode.valueOf(value.asText());
        replace(document, at, Change.REPLACED_BY_ANOTHER_TYPE, "replaced by " + other, Expected.BOTH_REFUSE, other);
        Set<String> choices = schema.choices(schemas);
        if (!choices.isEmpty() && value.isTextual()) {
            for (String variant : List.of(otherCase(value.asText()), value.asText() + "x")) {
                if (!choices.contains(variant)) {
                    replace(
                            document,
                            at,
                            Change.REPLACED_BY_ANOTHER_CHOICE,
                            "replaced by '" + variant + "', not one of " + choices,
                            Expected.BOTH_REFUSE,
                            TextNode.valueOf(variant));
                }
            }
        }
    }

    private void replace(
            int document, JsonPointer at, Change change, String detail, Expected expected, JsonNode replacement) {
        JsonPointer parent = at.head();
        add(document, at, change, detail, expected, d -> {
            JsonNode holder = d.at(parent);
            if (holder.isObject()) {
                ((ObjectNode) holder).set(at.last().getMatchingProperty(), replacement.deepCopy());
            } else {
                ((ArrayNode) holder).set(at.last().getMatchingIndex(), replacement.deepCopy());
            }
        });
    }

    private void add(
            int document, JsonPointer at, Change change, String detail, Expected expected, Consumer<JsonNode> edit) {
        JsonNode changed = config.documents().get(document).deepCopy();
        edit.accept(changed);
        out.add(new ConfigMutation(document, at, change, detail, expected, config.with(document, changed)));
    }

    /** Upper case for a choice that has a lower-case letter, lower case for one that has none. */
    private static String otherCase(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        return upper.equals(text) ? text.toLowerCase(Locale.ROOT) : upper;
    }
}
