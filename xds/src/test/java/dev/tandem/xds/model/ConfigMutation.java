package dev.tandem.xds.model;

import com.fasterxml.jackson.core.JsonPointer;

/**
 * One change to one value of a valid gateway config, and what the schema and the loader must then say.
 *
 * @param document the changed document's index in the file (0-based)
 * @param at       the changed value in that document
 * @param detail   the change in words, for the test's name
 * @param config   the whole config with the change
 */
record ConfigMutation(
        int document, JsonPointer at, Change change, String detail, Expected expected, ConfigDocuments config) {

    /** What was done to the value. */
    enum Change {
        REMOVED,
        UNKNOWN_FIELD_ADDED,
        SET_TO_NULL,
        REPLACED_BY_A_LIST,
        REPLACED_BY_A_MAPPING,
        REPLACED_BY_ANOTHER_TYPE,
        REPLACED_BY_ANOTHER_CHOICE
    }

    /** What the schema and the loader must say. */
    enum Expected {
        /** Both refuse the change. */
        BOTH_REFUSE,
        /** The schema is never stricter than the loader: if the schema refuses the change, so does the loader. */
        LOADER_REFUSES_WHAT_THE_SCHEMA_REFUSES
    }

    /** {@code route-features document 5 /spec/to/upstream: removed}. */
    String name() {
        return config.name() + " document " + (document + 1) + " "
                + (at.toString().isEmpty() ? "/" : at) + ": " + detail;
    }
}
