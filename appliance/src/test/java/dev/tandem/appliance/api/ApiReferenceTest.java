package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/api.md} is what {@link ApiReference} renders from {@code openapi.yaml}, so the reference
 * people read never drifts from the contract. After changing the document, regenerate it with
 * {@code ./mvnw -B -o -pl appliance -am test -Dtest=ApiReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dgolden.update=true}
 * and review the diff.
 */
class ApiReferenceTest {

    private static final Path REFERENCE = Path.of("../docs/api.md");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    @Test
    void docsApiMdIsRenderedFromTheOpenApiDocument() throws Exception {
        String rendered = ApiReference.render(OpenApiDocument.load());
        if (UPDATE) {
            Files.writeString(REFERENCE, rendered);
        }
        assertThat(REFERENCE)
                .as("docs/api.md (regenerate with -Dgolden.update=true)")
                .exists();
        assertThat(Files.readString(REFERENCE))
                .as("docs/api.md is rendered from openapi.yaml (regenerate with -Dgolden.update=true)")
                .isEqualTo(rendered);
    }

    @Test
    void everyOperationAndSchemaIsInTheReference() {
        OpenApiDocument document = OpenApiDocument.load();
        String rendered = ApiReference.render(document);
        for (OpenApiDocument.Operation operation : document.operations()) {
            assertThat(rendered).contains("### " + operation.method() + " " + operation.path() + "\n");
        }
        document.root()
                .path("components")
                .path("schemas")
                .fieldNames()
                .forEachRemaining(name -> assertThat(rendered).contains("### " + name + "\n"));
        assertThat(rendered).contains("| `details` | array of string | yes |");
    }
}
