package dev.tandem.xds.model;

/** One YAML document of a gateway config: a kind and a name unique within that kind. */
public sealed interface Document permits Gateway, Route, Upstream, FailoverScheme, Secret {

    Kind kind();

    String name();

    default String label() {
        return kind().label(name());
    }
}
