package dev.tandem.appliance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * The appliance's one Jackson {@link ObjectMapper} (docs/decisions/0001-libraries.md): the admin API
 * reads request bodies and writes answers with it, the CLI and the bench read those answers with it.
 * Only YAML output ({@code tandem ... -o yaml}) has a mapper of its own, as it writes another format.
 */
public final class Jackson {

    /** Jackson's defaults: writes compact JSON (the CLI's request bodies). */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Indented, as every admin API answer is written; {@code tandem ... -o json} and {@code tandem bench
     * --json} write the same, so what a script reads does not depend on where it came from.
     */
    public static final ObjectWriter INDENTED = MAPPER.writerWithDefaultPrettyPrinter();

    private Jackson() {}
}
