package dev.tandem.appliance.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * How the bench's report types are written: as JSON, by Jackson's default pretty printer (the
 * format {@code --json} files have always had), and for the printed summary as {@code {key=value, ...}},
 * the same keys in the same order.
 */
final class ReportJson {

    // Alphabetic order (@JsonPropertyOrder) also for the figures a record derives (ChangeResult's
    // percentiles): Jackson would otherwise put its components first. Without jackson-datatype-jdk8 on
    // the class path, Jackson refuses Optional; the report needs only "present: the value, empty: left
    // out" (with @JsonInclude(NON_EMPTY) on the property).
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
            .addModule(new SimpleModule().addSerializer(new OptionalValue()))
            .build();

    private ReportJson() {}

    static String write(Object report) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a bench report is always writable", e);
        }
    }

    /** As a map of the values prints itself: numbers as Java writes them (2.84927904E8), strings bare. */
    static String inline(Object part) {
        return inline(JSON.<JsonNode>valueToTree(part));
    }

    private static String inline(JsonNode node) {
        if (!node.isObject()) {
            return node.asText();
        }
        StringJoiner out = new StringJoiner(", ", "{", "}");
        node.properties().forEach(e -> out.add(e.getKey() + "=" + inline(e.getValue())));
        return out.toString();
    }

    /** A present Optional as its value; an empty one is "empty", which NON_EMPTY leaves out. */
    private static final class OptionalValue extends StdSerializer<Optional<?>> {

        OptionalValue() {
            super(Optional.class, false);
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, Optional<?> value) {
            return value.isEmpty();
        }

        @Override
        public void serialize(Optional<?> value, JsonGenerator generator, SerializerProvider provider)
                throws IOException {
            provider.defaultSerializeValue(value.orElseThrow(), generator);
        }
    }
}
