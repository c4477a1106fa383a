package dev.tandem.xds.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a gateway config from YAML (one or more documents, {@code kind / metadata.name / spec}) and
 * validates it as a whole. Either every document is valid and a {@link GatewayConfig} comes back, or
 * an {@link InvalidConfigException} lists every error of the file. This class reads what every
 * document has; the reader of each kind ({@link GatewayReader}, {@link RouteReader},
 * {@link UpstreamReader}, {@link FailoverSchemeReader}, {@link SecretReader}) reads its {@code spec},
 * and {@link ConfigValidator} checks what spans documents.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

    /** Optional {@code apiVersion}; documents may omit it. */
    public static final String API_VERSION = "tandem.dev/v1";

    static final int MAX_NAME = 63;
    /** Document and listener names: DNS labels, dots allowed. */
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");

    private ConfigLoader() {}

    public static GatewayConfig load(String yaml) throws InvalidConfigException {
        List<ConfigError> errors = new ArrayList<>();
        List<Object> raw = YamlText.loadAll(yaml, "file", errors);
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        List<Numbered> documents = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            if (raw.get(i) != null) {
                readDocument(raw.get(i), i + 1, errors).ifPresent(documents::add);
            }
        }
        if (documents.isEmpty() && errors.isEmpty()) {
            errors.add(new ConfigError("file", "", "contains no documents (a config needs at least a Gateway)"));
        }
        GatewayConfig config = ConfigValidator.validate(documents, errors);
        if (!errors.isEmpty()) {
            throw ConfigPositions.locate(yaml, new InvalidConfigException(errors));
        }
        return config;
    }

    /** A document and its 1-based position in the file, for messages about duplicates. */
    record Numbered(int number, Document document) {}

    private static Optional<Numbered> readDocument(Object raw, int number, List<ConfigError> errors) {
        String label = labelOf(raw, number);
        YamlFields top = YamlFields.of(raw, label, "", errors);
        String apiVersion = top.string("apiVersion");
        if (apiVersion != null && !apiVersion.equals(API_VERSION)) {
            top.error("apiVersion", "'" + apiVersion + "' is not supported (use " + API_VERSION + ")");
        }
        String kindName = top.requiredString("kind");
        Optional<Kind> kind = kindName == null ? Optional.empty() : Kind.named(kindName);
        if (kindName != null && kind.isEmpty()) {
            top.error(
                    "kind",
                    "'" + kindName + "' is not a known kind (known: Gateway, Route, Upstream, FailoverScheme, Secret)");
        }
        YamlFields metadata = top.object("metadata");
        String name = metadata.requiredString("name");
        if (name != null && !NAME.matcher(name).matches()) {
            metadata.error(
                    "name",
                    "'" + name + "' is not a valid name (lower-case letters, digits, '-' and '.', at most 63, "
                            + "starting and ending with a letter or digit)");
        }
        metadata.finish();
        if (!top.has("spec")) {
            top.error("spec", "is required");
        }
        YamlFields spec = top.object("spec");
        top.finish();
        if (kind.isEmpty() || name == null) {
            return Optional.empty();
        }
        Document document = switch (kind.get()) {
            case Gateway -> GatewayReader.read(name, spec);
            case Route -> RouteReader.read(name, spec);
            case Upstream -> UpstreamReader.read(name, spec);
            case FailoverScheme -> FailoverSchemeReader.read(name, spec);
            case Secret -> SecretReader.read(name, spec);
        };
        spec.finish();
        return Optional.of(new Numbered(number, document));
    }

    /** {@code Route 'orders'} when kind and name can be read, otherwise {@code document 3}. */
    static String labelOf(Object raw, int number) {
        if (raw instanceof Map<?, ?> map
                && map.get("kind") instanceof String kind
                && Kind.named(kind).isPresent()
                && map.get("metadata") instanceof Map<?, ?> metadata
                && metadata.get("name") instanceof String name
                && !name.isBlank()
                && name.length() <= MAX_NAME) {
            return Kind.named(kind).get().label(name);
        }
        return "document " + number;
    }
}
