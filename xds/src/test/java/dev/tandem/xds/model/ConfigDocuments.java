package dev.tandem.xds.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A gateway config file as a JSON Schema sees it: its YAML documents, parsed as the loader parses them
 * ({@link YamlText}), as Jackson trees (an empty document is a null node, which the loader skips).
 *
 * @param name what tests call the file
 */
record ConfigDocuments(String name, List<JsonNode> documents) {

    private static final ObjectMapper JSON = new ObjectMapper();

    ConfigDocuments {
        documents = List.copyOf(documents);
    }

    static ConfigDocuments read(String name, Path file) throws IOException {
        return parse(name, Files.readString(file));
    }

    /** The documents of {@code yaml}; YAML that does not parse is the caller's mistake here. */
    static ConfigDocuments parse(String name, String yaml) {
        List<ConfigError> errors = new ArrayList<>();
        List<Object> raw = YamlText.loadAll(yaml, name, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(name + " is not YAML: " + errors);
        }
        List<JsonNode> documents = new ArrayList<>();
        for (Object document : raw) {
            documents.add(document == null ? NullNode.getInstance() : JSON.valueToTree(document));
        }
        return new ConfigDocuments(name, documents);
    }

    /**
     * The config as text for {@link ConfigLoader#load}: each document as JSON, which is YAML, so the
     * loader reads exactly the trees the schema was given.
     */
    String text() {
        return documents.stream().map(JsonNode::toString).collect(Collectors.joining("\n---\n", "", "\n"));
    }

    /** The same config with document {@code index} replaced. */
    ConfigDocuments with(int index, JsonNode document) {
        List<JsonNode> changed = new ArrayList<>(documents);
        changed.set(index, document);
        return new ConfigDocuments(name, changed);
    }
}
