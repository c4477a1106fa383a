package dev.tandem.xds.model;

import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Parses untrusted YAML text into plain maps, lists and scalars, safely: duplicate keys refused,
 * aliases refused (no "billion laughs"), size bounded, and nesting too deep for the parser's stack
 * reported as an error instead of crashing the request.
 */
public final class YamlText {

    /** Bounds the memory a hostile body can take. */
    private static final int MAX_CODE_POINTS = 16 * 1024 * 1024;

    private YamlText() {
    }

    /** Every document of {@code text}; on a syntax error, none, and one error for {@code label}. */
    public static List<Object> loadAll(String text, String label, List<ConfigError> errors) {
        List<Object> out = new ArrayList<>();
        try {
            for (Object document : new Load(settings()).loadAllFromString(text)) {
                out.add(document);
            }
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1))
                    .orElse("unknown position");
            errors.add(new ConfigError(label, "", "is not valid YAML at " + where + ": " + e.getProblem()));
            out.clear();
        } catch (YamlEngineException e) {
            errors.add(new ConfigError(label, "", "is not valid YAML: " + e.getMessage()));
            out.clear();
        } catch (StackOverflowError e) {
            errors.add(new ConfigError(label, "", "is nested too deeply to be a config"));
            out.clear();
        }
        return out;
    }

    private static LoadSettings settings() {
        return LoadSettings.builder()
                .setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(0)
                .setCodePointLimit(MAX_CODE_POINTS)
                .setLabel("config")
                .build();
    }
}
