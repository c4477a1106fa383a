package dev.tandem.xds.model;

import dev.tandem.xds.model.ConfigError.Position;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.constructor.StandardConstructor;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Finds where each {@link ConfigError} is in the YAML text that was sent, so that an editor or a CI
 * log can point at it: the document is found by its label (as {@link ConfigLoader} names it), then
 * the field path is followed through the YAML nodes ({@code spec.listeners[0].port}; a listener or
 * other list entry may be named by its {@code name} instead of its index). A field that is missing
 * (a required one) points at the mapping that lacks it: the deepest node of the path that exists.
 *
 * <p>It runs only for a config that is refused, so it parses the text a second time rather than
 * making every valid load keep the node tree. Stateless and thread-safe.
 */
public final class ConfigPositions {

    private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)((?:\\[\\d+])*)");
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    private ConfigPositions() {}

    /** {@code invalid} with the place of each of its errors in {@code yaml} that has none yet. */
    public static InvalidConfigException locate(String yaml, InvalidConfigException invalid) {
        if (invalid.errors().stream().allMatch(e -> e.position().known())) {
            return invalid;
        }
        Map<String, List<Node>> documents = documentsByLabel(yaml);
        List<ConfigError> located = new ArrayList<>();
        for (ConfigError error : invalid.errors()) {
            located.add(error.position().known() ? error : error.at(find(documents, error)));
        }
        return new InvalidConfigException(located);
    }

    private static Position find(Map<String, List<Node>> documents, ConfigError error) {
        Position best = Position.UNKNOWN;
        int bestDepth = -1;
        // Two documents can share a label (a name defined twice): the one the path reaches deepest.
        for (Node document : documents.getOrDefault(error.document(), List.of())) {
            Walk walk = walk(document, error.field());
            if (walk.depth() > bestDepth) {
                bestDepth = walk.depth();
                best = position(walk.node());
            }
        }
        return best;
    }

    /** The deepest node of {@code field} that exists, and how many steps reached it. */
    private record Walk(Node node, int depth) {}

    private static Walk walk(Node document, String field) {
        Node node = document;
        int depth = 0;
        if (field.isEmpty()) {
            return new Walk(node, depth);
        }
        for (String part : field.split("\\.", -1)) {
            Matcher step = STEP.matcher(part);
            if (!step.matches()) {
                break;
            }
            Optional<Node> next = child(node, step.group(1));
            if (next.isEmpty()) {
                break;
            }
            node = next.get();
            depth++;
            Matcher index = INDEX.matcher(step.group(2));
            while (index.find()) {
                Optional<Node> item = item(node, Integer.parseInt(index.group(1)));
                if (item.isEmpty()) {
                    return new Walk(node, depth);
                }
                node = item.get();
                depth++;
            }
        }
        return new Walk(node, depth);
    }

    /** The value of {@code key} in a mapping, or the entry of a list named {@code key}. */
    private static Optional<Node> child(Node node, String key) {
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode scalar
                        && scalar.getValue().equals(key)) {
                    return Optional.of(tuple.getValueNode());
                }
            }
            return Optional.empty();
        }
        if (node instanceof SequenceNode sequence) {
            for (Node entry : sequence.getValue()) {
                Optional<Node> name = child(entry, "name");
                if (name.isPresent()
                        && name.get() instanceof ScalarNode scalar
                        && scalar.getValue().equals(key)) {
                    return Optional.of(entry);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Node> item(Node node, int index) {
        if (node instanceof SequenceNode sequence && index < sequence.getValue().size()) {
            return Optional.of(sequence.getValue().get(index));
        }
        return Optional.empty();
    }

    private static Position position(Node node) {
        return node.getStartMark().map(ConfigPositions::position).orElse(Position.UNKNOWN);
    }

    static Position position(Mark mark) {
        return new Position(mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** Every document's node tree under the label the loader gives it. */
    private static Map<String, List<Node>> documentsByLabel(String yaml) {
        Map<String, List<Node>> out = new HashMap<>();
        LoadSettings settings = YamlText.settings(yaml.length());
        try {
            int number = 0;
            for (Node node : new Compose(settings).composeAllFromString(yaml)) {
                number++;
                Object raw = new StandardConstructor(settings).constructSingleDocument(Optional.of(node));
                out.computeIfAbsent(ConfigLoader.labelOf(raw, number), k -> new ArrayList<>())
                        .add(node);
            }
        } catch (YamlEngineException | StackOverflowError e) {
            // Not YAML: its one error already has the parser's place (YamlText).
        }
        return out;
    }
}
