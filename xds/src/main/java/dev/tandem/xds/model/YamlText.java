package dev.tandem.xds.model;

import dev.tandem.xds.model.ConfigError.Position;
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

    /**
     * snakeyaml-engine's reader copies everything it has read but not consumed on each refill of its
     * buffer, and the scanner looks a whole scalar ahead before consuming it: a scalar of L code points
     * costs about L&sup2; / (2 &times; buffer) copied code points. With the default 1,024 that was 2 to 3 s
     * for one 1 MB scalar and 7 s for 4 MB; with 1 Mi it is milliseconds at the largest body the
     * admin API accepts, for 2 MiB of buffer.
     */
    private static final int MAX_BUFFER_CHARS = 1024 * 1024;

    private YamlText() {}

    /** Every document of {@code text}; on a syntax error, none, and one error for {@code label}. */
    public static List<Object> loadAll(String text, String label, List<ConfigError> errors) {
        List<Object> out = new ArrayList<>();
        try {
            for (Object document : new Load(settings(text.length())).loadAllFromString(text)) {
                out.add(document);
            }
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark()
                    .map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1))
                    .orElse("unknown position");
            errors.add(new ConfigError(label, "", "is not valid YAML at " + where + ": " + e.getProblem())
                    .at(e.getProblemMark().map(ConfigPositions::position).orElse(Position.UNKNOWN)));
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

    /** The settings every load and compose of a config uses: the same refusals and bounds. */
    static LoadSettings settings(int length) {
        return LoadSettings.builder()
                // A small text needs no more buffer than its own length.
                .setBufferSize(Math.max(1, Math.min(length, MAX_BUFFER_CHARS)))
                .setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(0)
                .setCodePointLimit(MAX_CODE_POINTS)
                .setLabel("config")
                .build();
    }
}
