package dev.tandem.xds.model;

import java.util.List;
import java.util.stream.Collectors;

/** A gateway config that must not be stored or served; carries every error found, not only the first. */
public final class InvalidConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    public InvalidConfigException(List<ConfigError> errors) {
        super(errors.size() + " error(s) in gateway config:\n"
                + errors.stream().map(e -> "  " + e).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an invalid config has at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
