package dev.tandem.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.DisallowUnknownKeywordFactory;
import com.networknt.schema.keyword.NonValidationKeyword;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The admin API's OpenAPI document ({@code appliance/src/main/resources/openapi.yaml}) as the tests read
 * it: its operations, the response each status of an operation documents, and the JSON Schema of each
 * (networknt, OpenAPI 3.1's dialect of JSON Schema 2020-12, with the document as the schema resource,
 * so a schema is addressed by a JSON pointer into it and its {@code $ref}s resolve as a client's would).
 *
 * <p>The document is given the base {@link #BASE}, a name under {@code .invalid} that is never fetched:
 * it and its sibling {@code schemas/gateway-config.schema.json} are read from the class path, where the
 * build puts them, laid out as the appliance serves them.
 */
public final class OpenApiDocument {

    /** The methods an OpenAPI path item can have, as its keys spell them. */
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    static final String RESOURCE = "/openapi.yaml";

    /** The fields of an OpenAPI 3.1 document's root object. */
    private static final List<String> DOCUMENT_FIELDS = List.of(
            "openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks", "components", "security", "tags");

    /** Where the document is taken to be, for resolving relative references (never fetched). */
    private static final String BASE = "https://appliance.tandem.invalid/";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode root;
    private final SchemaRegistry registry;

    /** One operation: a method (upper case, as HTTP spells it) on a path template, and its object. */
    record Operation(String method, String path, JsonNode node) {

        /** {@code GET /api/v1/status}. */
        String key() {
            return method + " " + path;
        }

        /** The JSON pointer to the operation object in the document. */
        String pointer() {
            return "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT);
        }

        String role() {
            return node.path("x-tandem-role").asText("");
        }

        String tag() {
            return node.path("tags").path(0).asText("");
        }
    }

    /** A node of the document and the JSON pointer it stands at (after following a {@code $ref}). */
    record Located(JsonNode node, String pointer) {}

    private OpenApiDocument(JsonNode root, SchemaRegistry registry) {
        this.root = root;
        this.registry = registry;
    }

    /** The document on the class path, as the appliance serves it. */
    public static OpenApiDocument load() {
        return new OpenApiDocument(readTree(bytes()), registry());
    }

    /** The document's bytes on the class path. */
    static byte[] bytes() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the test class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode root() {
        return root;
    }

    /** Every operation, in the document's order. */
    List<Operation> operations() {
        List<Operation> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : root.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> item : path.getValue().properties()) {
                if (METHODS.contains(item.getKey())) {
                    out.add(new Operation(item.getKey().toUpperCase(Locale.ROOT), path.getKey(), item.getValue()));
                }
            }
        }
        return out;
    }

    Optional<Operation> operation(String method, String path) {
        return operations().stream()
                .filter(o -> o.method().equals(method) && o.path().equals(path))
                .findFirst();
    }

    /** The methods documented for {@code path}, upper case. */
    List<String> methods(String path) {
        return operations().stream()
                .filter(o -> o.path().equals(path))
                .map(Operation::method)
                .toList();
    }

    /** {@code node} itself, or what its local {@code $ref} points at (an OpenAPI reference object). */
    Located resolve(JsonNode node, String pointer) {
        JsonNode ref = node.path("$ref");
        if (ref.isTextual() && ref.asText().startsWith("#")) {
            String target = ref.asText().substring(1);
            JsonNode found = root.at(target);
            if (found.isMissingNode()) {
                throw new IllegalStateException(pointer + ": $ref " + ref.asText() + " points at nothing");
            }
            return resolve(found, target);
        }
        return new Located(node, pointer);
    }

    /** The response {@code operation} documents for {@code status}, if any (references followed). */
    Optional<Located> response(Operation operation, int status) {
        String pointer = operation.pointer() + "/responses/" + status;
        JsonNode response = root.at(pointer);
        return response.isMissingNode() ? Optional.empty() : Optional.of(resolve(response, pointer));
    }

    /** The documented statuses of {@code operation}, as numbers. */
    List<Integer> statuses(Operation operation) {
        List<Integer> out = new ArrayList<>();
        operation.node().path("responses").fieldNames().forEachRemaining(s -> out.add(Integer.valueOf(s)));
        return out;
    }

    /** The JSON pointer of the schema of {@code mediaType} in a response or request body object. */
    static String schemaPointer(Located body, String mediaType) {
        return body.pointer() + "/content/" + escape(mediaType) + "/schema";
    }

    /** The JSON Schema at {@code pointer} in the document, compiled with every reference it makes. */
    Schema schema(String pointer) {
        Schema schema = registry.getSchema(SchemaLocation.of(BASE + "openapi.yaml#" + pointer));
        schema.initializeValidators();
        return schema;
    }

    /** The JSON Schema at {@code ref}, relative to the document (a sibling file, or a fragment of one). */
    Schema schemaAt(String ref) {
        Schema schema = registry.getSchema(SchemaLocation.of(
                ref.startsWith("#") ? BASE + "openapi.yaml" + ref : BASE + ref.replaceFirst("^\\./", "")));
        schema.initializeValidators();
        return schema;
    }

    /** A schema of its own, compiled as the document's are (for testing the validator's settings). */
    Schema compile(String schemaJson) {
        Schema schema = registry.getSchema(schemaJson, InputFormat.JSON);
        schema.initializeValidators();
        return schema;
    }

    /** What is wrong with {@code json} by the schema at {@code pointer}: empty when it validates. */
    List<String> problems(String pointer, String json) {
        List<Error> errors = schema(pointer).validate(json, InputFormat.JSON);
        return errors.stream().map(Error::toString).toList();
    }

    /** {@code token} as one reference token of a JSON pointer (RFC 6901). */
    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    static JsonNode readTree(byte[] yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * OpenAPI 3.1's dialect, refusing keywords it does not know (a misspelt {@code additionalProperty}
     * would otherwise be ignored and leave a schema open) and asserting formats ({@code date-time}).
     * The validator reads the document's root as a schema too (a pointer is resolved inside the
     * resource): the fields of an OpenAPI document are known to it, as keywords that validate nothing.
     */
    private static SchemaRegistry registry() {
        Dialect strict = Dialect.builder(Dialects.getOpenApi31())
                .keywords(
                        DOCUMENT_FIELDS.stream().map(NonValidationKeyword::new).toList())
                .unknownKeywordFactory(DisallowUnknownKeywordFactory.getInstance())
                .build();
        return SchemaRegistry.withDefaultDialect(
                strict,
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                                .formatAssertionsEnabled(true)
                                .build())
                        .schemaIdResolvers(ids -> ids.mapPrefix(BASE + "openapi.yaml", "classpath:openapi.yaml")
                                .mapPrefix(BASE + "schemas/", "classpath:schema/")));
    }
}
