package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.api.OpenApiDocument.Located;
import dev.tandem.appliance.api.OpenApiDocument.Operation;
import io.helidon.http.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code openapi.yaml} is an OpenAPI 3.1 document a validator reads whole: every schema in it compiles
 * in networknt (OpenAPI 3.1's dialect of JSON Schema 2020-12, unknown keywords refused), every
 * {@code $ref} resolves, every operation says what it is and the role it needs, and that role is the
 * one the token filter asks for ({@link BearerTokenFilter#needed}).
 */
class OpenApiDocumentTest {

    /**
     * Answers that have no body: the web server's own refusal of a body over the limit, before the
     * API's error mapping sees the request.
     */
    private static final Set<String> WITHOUT_BODY = Set.of("POST /api/v1/apply 413");

    private static final Set<String> ROLES = Set.of("viewer", "operator", "admin", "none");
    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}]+)}");

    private final OpenApiDocument document = OpenApiDocument.load();

    @Test
    void itIsOpenApi31OfTheFirstVersionOfTheApi() {
        assertThat(document.root().path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(document.root().path("info").path("version").asText()).isEqualTo("v1");
        assertThat(document.root().path("info").path("description").asText())
                .contains("{\"error\": \"...\", \"details\": [\"...\"]}")
                .contains("405")
                .contains("Authorization: Bearer");
        assertThat(document.root().path("servers").path(0).path("url").asText())
                .as("servers are relative: the document holds for any appliance")
                .startsWith("/");
    }

    @Test
    void everyComponentSchemaCompiles() {
        Set<String> names = new TreeSet<>();
        document.root().path("components").path("schemas").fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("Error", "ConfigError");
        for (String name : names) {
            String pointer = "/components/schemas/" + name;
            assertThatCode(() -> document.schema(pointer)).as(pointer).doesNotThrowAnyException();
        }
    }

    @Test
    void aMisspeltKeywordIsRefusedRatherThanIgnored() {
        assertThatCode(() -> document.compile("{\"type\": \"object\", \"additionalProperty\": false}"))
                .hasMessageContaining("additionalProperty");
    }

    @Test
    void everyRequestAndResponseSchemaCompiles() {
        List<String> pointers = new ArrayList<>();
        for (Operation operation : document.operations()) {
            JsonNode body = operation.node().path("requestBody");
            if (!body.isMissingNode()) {
                Located request = document.resolve(body, operation.pointer() + "/requestBody");
                request.node()
                        .path("content")
                        .fieldNames()
                        .forEachRemaining(type -> pointers.add(OpenApiDocument.schemaPointer(request, type)));
            }
            for (int status : document.statuses(operation)) {
                Located response = document.response(operation, status).orElseThrow();
                assertThat(response.node().path("description").asText())
                        .as(operation.key() + " " + status + " has a description")
                        .isNotBlank();
                if (!WITHOUT_BODY.contains(operation.key() + " " + status)) {
                    assertThat(response.node().path("content").size())
                            .as(operation.key() + " " + status + " documents its body")
                            .isPositive();
                }
                response.node()
                        .path("content")
                        .fieldNames()
                        .forEachRemaining(type -> pointers.add(OpenApiDocument.schemaPointer(response, type)));
            }
        }
        assertThat(pointers).hasSizeGreaterThan(document.operations().size());
        for (String pointer : pointers) {
            assertThatCode(() -> document.schema(pointer)).as(pointer).doesNotThrowAnyException();
        }
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(document.root(), "", refs);
        assertThat(refs).anyMatch(r -> r.contains("./schemas/gateway-config.schema.json"));
        for (String entry : refs) {
            String[] whereAndRef = entry.split(" ", 2);
            String ref = whereAndRef[1];
            if (ref.startsWith("#")) {
                assertThat(document.root().at(ref.substring(1)).isMissingNode())
                        .as(whereAndRef[0] + ": $ref " + ref + " points at nothing")
                        .isFalse();
            } else {
                assertThatCode(() -> document.schemaAt(ref))
                        .as(whereAndRef[0] + ": $ref " + ref)
                        .doesNotThrowAnyException();
            }
        }
    }

    @Test
    void everyOperationSaysWhatItIsAndTheRoleItNeeds() {
        Set<String> ids = new HashSet<>();
        for (Operation operation : document.operations()) {
            JsonNode node = operation.node();
            String id = node.path("operationId").asText("");
            assertThat(id).as(operation.key() + " operationId").isNotBlank();
            assertThat(ids.add(id)).as("operationId " + id + " is unique").isTrue();
            assertThat(node.path("summary").asText(""))
                    .as(operation.key() + " summary")
                    .isNotBlank();
            assertThat(operation.tag()).as(operation.key() + " tag").isNotBlank();
            assertThat(operation.role()).as(operation.key() + " x-tandem-role").isIn(ROLES);
            assertThat(node.path("description").asText(""))
                    .as(operation.key() + " says its role in its description")
                    .matches("(?s)Role: " + operation.role() + "[ .].*");
        }
    }

    @Test
    void theRoleOfEveryOperationIsTheOneTheTokenFilterAsksFor() {
        for (Operation operation : document.operations()) {
            JsonNode security = operation.node().path("security");
            if (operation.role().equals("none")) {
                // The filter lets these through without an admin token; OpenApiResponsesIT calls each without one.
                assertThat(security.isArray() && !containsAdminToken(security))
                        .as(operation.key() + " (role none) asks for no admin token")
                        .isTrue();
                continue;
            }
            assertThat(operation.path()).as(operation.key() + " needs a token").startsWith("/api/v1/");
            assertThat(security.isMissingNode())
                    .as(operation.key() + " keeps the document's security (the admin token)")
                    .isTrue();
            String path = PATH_PARAMETER.matcher(operation.path()).replaceAll("x");
            assertThat(operation.role())
                    .as(operation.key() + " x-tandem-role")
                    .isEqualTo(BearerTokenFilter.needed(Method.create(operation.method()), path)
                            .spelling());
        }
        assertThat(document.root().path("security").path(0).has("adminToken")).isTrue();
    }

    @Test
    void everyPathParameterIsDeclaredAndEveryDeclaredOneIsInThePath() {
        for (Operation operation : document.operations()) {
            Set<String> inPath = new TreeSet<>();
            Matcher m = PATH_PARAMETER.matcher(operation.path());
            while (m.find()) {
                inPath.add(m.group(1));
            }
            Set<String> declared = new TreeSet<>();
            JsonNode parameters = operation.node().path("parameters");
            for (int i = 0; i < parameters.size(); i++) {
                Located parameter = document.resolve(parameters.get(i), operation.pointer() + "/parameters/" + i);
                if (parameter.node().path("in").asText().equals("path")) {
                    assertThat(parameter.node().path("required").asBoolean())
                            .as(operation.key() + " path parameter is required")
                            .isTrue();
                    declared.add(parameter.node().path("name").asText());
                }
                assertThatCode(() -> document.schema(parameter.pointer() + "/schema"))
                        .as(parameter.pointer())
                        .doesNotThrowAnyException();
            }
            assertThat(declared).as(operation.key() + " path parameters").isEqualTo(inPath);
        }
    }

    @Test
    void everyErrorAnswerIsTheOneErrorShape() {
        String error = "#/components/schemas/Error";
        for (Operation operation : document.operations()) {
            for (int status : document.statuses(operation)) {
                if (status < 400
                        || operation.path().equals("/readyz")
                        || WITHOUT_BODY.contains(operation.key() + " " + status)) {
                    continue;
                }
                Located response = document.resolve(
                        operation.node().path("responses").path(Integer.toString(status)),
                        operation.pointer() + "/responses/" + status);
                JsonNode schema =
                        response.node().path("content").path("application/json").path("schema");
                boolean isError = schema.path("$ref").asText().equals(error)
                        || schema.path("oneOf").findValuesAsText("$ref").contains(error);
                assertThat(isError)
                        .as(operation.key() + " " + status + " answers the one error shape")
                        .isTrue();
            }
        }
    }

    /** The golden status of StatusGoldenTest, a status with every part filled in but data planes. */
    @Test
    void theGoldenStatusIsAStatus() throws Exception {
        String golden = Files.readString(Path.of("src/test/resources/golden/status.json"));
        assertThat(document.problems("/components/schemas/Status", golden)).isEmpty();
        assertThat(document.problems("/components/schemas/Status", golden.replace("\"node\"", "\"nodes\"")))
                .as("a renamed field is caught")
                .isNotEmpty();
    }

    private static boolean containsAdminToken(JsonNode security) {
        for (JsonNode requirement : security) {
            if (requirement.has("adminToken")) {
                return true;
            }
        }
        return false;
    }

    private static void collectRefs(JsonNode node, String pointer, List<String> out) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String at = pointer + "/" + OpenApiDocument.escape(field.getKey());
                if (field.getKey().equals("$ref") && field.getValue().isTextual()) {
                    out.add(pointer + " " + field.getValue().asText());
                } else {
                    collectRefs(field.getValue(), at, out);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectRefs(node.get(i), pointer + "/" + i, out);
            }
        }
    }
}
