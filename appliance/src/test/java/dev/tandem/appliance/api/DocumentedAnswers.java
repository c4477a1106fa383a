package dev.tandem.appliance.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.api.OpenApiDocument.Located;
import dev.tandem.appliance.api.OpenApiDocument.Operation;
import dev.tandem.appliance.testing.AdminHttp.Reply;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;

/**
 * Checks real answers against {@code openapi.yaml} (status documented for the operation, content type
 * documented for the status, a JSON body valid against the documented schema, documented headers
 * present) and keeps a ledger of which documented answers (operation, status, content type) were
 * seen. {@link OpenApiResponsesIT}, {@code PeerPairIT} and {@code PeerDivergenceIT} share it.
 */
public final class DocumentedAnswers {
    /** In the ledger, the content type of an answer without a body. */
    static final String NO_BODY = "(no body)";

    private final OpenApiDocument document;
    private final SoftAssertions soft;
    private final Set<String> exercised = new TreeSet<>();

    public DocumentedAnswers(OpenApiDocument document, SoftAssertions soft) {
        this.document = document;
        this.soft = soft;
    }

    /** What was checked so far. */
    public Set<String> exercised() {
        return new TreeSet<>(exercised);
    }

    public Reply check(String method, String template, Reply reply, int expected) {
        String what = method + " " + template + " answered " + reply.status();
        assertThat(reply.status()).as(what + ": " + shortened(reply.body())).isEqualTo(expected);
        Operation operation = document.operation(method, template)
                .orElseThrow(() -> new AssertionError(method + " " + template + " is not in openapi.yaml"));
        Optional<Located> response = document.response(operation, reply.status());
        soft.assertThat(response)
                .as(what + ", a status openapi.yaml does not document")
                .isPresent();
        if (response.isEmpty()) {
            return reply;
        }
        String type = reply.headers()
                .firstValue("Content-Type")
                .orElse(NO_BODY)
                .split(";")[0]
                .strip();
        JsonNode content = response.get().node().path("content");
        if (content.isMissingNode()) {
            soft.assertThat(reply.body())
                    .as(what + ", documented without a body")
                    .isEmpty();
            type = NO_BODY;
        } else {
            soft.assertThat(content.has(type))
                    .as(what + " with Content-Type '" + type + "'; documented: " + content.properties())
                    .isTrue();
        }
        if (type.equals("application/json")) {
            soft.assertThat(document.problems(OpenApiDocument.schemaPointer(response.get(), type), reply.body()))
                    .as(what + ": the body validates against the documented schema: " + shortened(reply.body()))
                    .isEmpty();
        }
        response.get()
                .node()
                .path("headers")
                .fieldNames()
                .forEachRemaining(header -> soft.assertThat(reply.headers().firstValue(header))
                        .as(what + " with the header " + header)
                        .isPresent());
        if (operation.role().equals("none")) {
            soft.assertThat(reply.body())
                    .as(what + ": an operation of role none is not refused for want of an admin token")
                    .doesNotContain("\"unauthorized\"");
        }
        exercised.add(operation.key() + " " + reply.status() + " " + type);
        return reply;
    }

    /** Every answer the document has: operation, status and content type. */
    static Set<String> all(OpenApiDocument document) {
        Set<String> out = new TreeSet<>();
        for (Operation operation : document.operations()) {
            for (int status : document.statuses(operation)) {
                JsonNode content = document.response(operation, status)
                        .orElseThrow()
                        .node()
                        .path("content");
                if (content.isMissingNode()) {
                    out.add(operation.key() + " " + status + " " + NO_BODY);
                }
                content.fieldNames().forEachRemaining(type -> out.add(operation.key() + " " + status + " " + type));
            }
        }
        return out;
    }

    static String shortened(String body) {
        return body.length() <= 2000 ? body : body.substring(0, 2000) + "...";
    }
}
