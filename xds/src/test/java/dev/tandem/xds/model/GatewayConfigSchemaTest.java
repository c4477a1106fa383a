package dev.tandem.xds.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.xds.model.ConfigMutation.Change;
import dev.tandem.xds.model.ConfigMutation.Expected;
import dev.tandem.xds.model.Gateway.GatewayListener;
import dev.tandem.xds.model.Gateway.ListenerProtocol;
import dev.tandem.xds.model.HealthCheck.StatusRange;
import dev.tandem.xds.model.Secret.SecretType;
import dev.tandem.xds.model.Upstream.LoadBalancing;
import dev.tandem.xds.model.Upstream.TlsMode;
import dev.tandem.xds.model.Upstream.UpstreamProtocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gateway config's JSON Schema ({@code src/main/resources/schema/gateway-config.schema.json}) agrees
 * with {@link ConfigLoader}, which is the authority: every sample and golden input validates; the
 * invalid golden cases are refused by both, except those a schema cannot see; and over thousands of
 * changes to the valid configs ({@link ConfigMutations}), what the schema requires, closes and
 * restricts the loader refuses too, and nothing the schema refuses is accepted by the loader. Its
 * choices and defaults are the model's, and every field it declares is described for editors.
 */
class GatewayConfigSchemaTest {

    private static final SchemaCheck SCHEMA = SchemaCheck.load();
    private static final Path SCHEMA_FILE = Path.of("src/main/resources").resolve(SchemaCheck.RESOURCE);
    private static final Path SAMPLES = Path.of("../samples");
    private static final Path GOLDEN = Path.of("src/test/resources/translate");
    private static final String INVALID_SUFFIX = ".in.yaml";
    private static final String EDITOR_LINE = "# yaml-language-server: $schema=";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Invalid cases whose every document the schema accepts, and why that is beyond a schema of one
     * document. The test asserts the schema accepts them, so a case that moves either way fails it.
     */
    private static final Map<String, String> BEYOND_A_SCHEMA = Map.of(
            "bad-regexes",
            "RE2 syntax: a schema's pattern keyword is an ECMA 262 regex about a value, it cannot say whether"
                    + " the value is itself an RE2 regex",
            "route-to-unknown-upstream",
            "references to other documents: a schema validates one document at a time");

    /** Invalid cases that are not a stream of documents a schema could be given, and what stands for it. */
    private static final Map<String, String> NO_DOCUMENT_TO_VALIDATE = Map.of(
            "malformed-yaml",
            "not YAML: the YAML parser refuses it before any schema applies (the editor's parser too)",
            "no-documents",
            "no documents: a schema validates each document, and 'at least one document' is a rule of the stream");

    /** The schema's choices and the model's, by the pointer of the {@code enum}. */
    private static final Map<String, List<String>> CHOICES = Map.of(
            "/properties/apiVersion/enum", List.of(ConfigLoader.API_VERSION),
            "/properties/kind/enum", names(Kind.values()),
            "/$defs/GatewaySpec/properties/dataPlane/enum",
                    Arrays.stream(DataPlaneKind.values())
                            .map(DataPlaneKind::spelling)
                            .toList(),
            "/$defs/Listener/properties/protocol/enum", names(ListenerProtocol.values()),
            "/$defs/Retries/properties/retryOn/items/enum", List.copyOf(Route.Retries.RETRY_ON),
            "/$defs/UpstreamSpec/properties/protocol/enum", names(UpstreamProtocol.values()),
            "/$defs/UpstreamSpec/properties/loadBalancing/enum", names(LoadBalancing.values()),
            "/$defs/HealthCheck/properties/type/enum", names(HealthCheck.Type.values()),
            "/$defs/UpstreamTls/properties/mode/enum", names(TlsMode.values()),
            "/$defs/SecretSpec/properties/type/enum", names(SecretType.values()));

    /** The schema's defaults and the model's constants, by the pointer of the {@code default}. */
    private static final Map<String, Object> DEFAULTS = new TreeMap<>(Map.ofEntries(
            Map.entry("/$defs/GatewaySpec/properties/dataPlane/default", Gateway.DEFAULT_DATA_PLANE.spelling()),
            Map.entry("/$defs/Listener/properties/address/default", GatewayListener.DEFAULT_ADDRESS),
            Map.entry("/$defs/Listener/properties/protocol/default", GatewayListener.DEFAULT_PROTOCOL.name()),
            Map.entry("/$defs/Rollout/properties/haltOnNack/default", Gateway.Rollout.DEFAULT.haltOnNack()),
            Map.entry("/$defs/Retries/properties/retryOn/default", Route.Retries.DEFAULT_RETRY_ON),
            Map.entry(
                    "/$defs/UpstreamSpec/properties/connectTimeout/default",
                    Durations.format(Upstream.DEFAULT_CONNECT_TIMEOUT)),
            Map.entry("/$defs/UpstreamSpec/properties/protocol/default", Upstream.DEFAULT_PROTOCOL.name()),
            Map.entry("/$defs/UpstreamSpec/properties/loadBalancing/default", Upstream.DEFAULT_LOAD_BALANCING.name()),
            Map.entry("/$defs/Endpoint/properties/weight/default", Upstream.Endpoint.DEFAULT_WEIGHT),
            Map.entry(
                    "/$defs/HealthCheck/properties/expectedStatuses/default",
                    HealthCheck.DEFAULT_EXPECTED_STATUSES.stream()
                            .map(GatewayConfigSchemaTest::spelling)
                            .toList()),
            Map.entry("/$defs/HealthCheck/properties/interval/default", Durations.format(HealthCheck.DEFAULT_INTERVAL)),
            Map.entry("/$defs/HealthCheck/properties/timeout/default", Durations.format(HealthCheck.DEFAULT_TIMEOUT)),
            Map.entry("/$defs/HealthCheck/properties/healthyThreshold/default", HealthCheck.DEFAULT_HEALTHY_THRESHOLD),
            Map.entry(
                    "/$defs/HealthCheck/properties/unhealthyThreshold/default",
                    HealthCheck.DEFAULT_UNHEALTHY_THRESHOLD),
            Map.entry("/$defs/HealthCheck/properties/jitter/default", Durations.format(HealthCheck.DEFAULT_JITTER)),
            Map.entry(
                    "/$defs/OutlierDetection/properties/consecutive5xx/default",
                    OutlierDetection.DEFAULT_CONSECUTIVE_5XX),
            Map.entry(
                    "/$defs/OutlierDetection/properties/consecutiveGatewayFailure/default",
                    OutlierDetection.DEFAULT_CONSECUTIVE_GATEWAY_FAILURE),
            Map.entry(
                    "/$defs/OutlierDetection/properties/interval/default",
                    Durations.format(OutlierDetection.DEFAULT_INTERVAL)),
            Map.entry(
                    "/$defs/OutlierDetection/properties/baseEjectionTime/default",
                    Durations.format(OutlierDetection.DEFAULT_BASE_EJECTION_TIME)),
            Map.entry(
                    "/$defs/OutlierDetection/properties/maxEjectionPercent/default",
                    OutlierDetection.DEFAULT_MAX_EJECTION_PERCENT),
            Map.entry("/$defs/UpstreamTls/properties/mode/default", Upstream.Tls.DEFAULT_MODE.name()),
            Map.entry(
                    "/$defs/FailoverSchemeSpec/properties/overprovisioningFactor/default",
                    FailoverScheme.DEFAULT_OVERPROVISIONING_FACTOR)));

    /**
     * A valid config that uses what the samples and golden inputs do not: nulls for absent fields, empty
     * texts where they mean none, file secrets, a rollout, padded durations and statuses, IPv6, bounds of
     * ranges, repeated gateways, an empty document. It is validated and mutated like them.
     */
    private static final String EDGES = """
            apiVersion:
            kind: Gateway
            metadata: {name: edge.v2}
            spec:
              nodeGroup: edge group 1
              dataPlane: envoy
              rollout: {haltOnNack: true}
              listeners:
                - {name: https, address: "::", port: 8443, protocol: HTTPS, tls: {certRef: edge-cert}}
                - {name: http, address: 127.0.0.1, port: 8080, protocol: null, tls: null}
            ---
            kind: Gateway
            metadata: {name: mesh}
            spec: {nodeGroup: mesh, dataPlane: proxyless-grpc, listeners: [], rollout: null}
            ---
            kind: Route
            metadata: {name: orders}
            spec:
              gateways: [edge.v2, edge.v2]
              hosts: ["orders.example.com:8443", "*.orders.example.com"]
              match:
                path: /orders
                pathPrefix:
                headers:
                  - {name: x-tenant, exact: "", present: false}
                  - {name: x-debug, present: true, regex: null}
              to: {upstream: orders, failoverScheme: null}
              timeout: " 1.5s "
              retries: {attempts: 10, perTryTimeout: 250ms, retryOn: [retriable-4xx, 5xx]}
              requestHeaders: {set: [{name: x-empty}], remove: []}
            ---
            kind: Route
            metadata: {name: stock}
            spec:
              gateways: [mesh]
              hosts: [stock]
              match:
              to: {failoverScheme: stock}
              retries: {attempts: 1, retryOn: [unavailable]}
            ---
            kind: Upstream
            metadata: {name: orders}
            spec:
              endpoints:
                - {address: "::1", port: 65535, locality: {region: a, zone: null}, weight: 1000, drain: false}
                - {address: 10.0.0.1, port: 1, locality: null}
              connectTimeout: 5m
              healthCheck: {type: GRPC, timeout: 1h, interval: 1h, healthyThreshold: 100, jitter: 0s}
              outlierDetection: {}
              healthyPanicThreshold: 0
              tls: {mode: SIMPLE, caRef: orders-ca, certRef: "", sni: ""}
            ---
            kind: Upstream
            metadata: {name: stock-a}
            spec:
              endpoints: [{address: 10.1.0.1, port: 50051}]
              healthCheck:
                type: HTTP
                path: /healthz
                host: ""
                expectedStatuses: [" 200 ", "500-599"]
                interval: 100ms
                timeout: 10ms
                noTrafficInterval: 100ms
                serviceName:
            ---
            kind: Upstream
            metadata: {name: stock-b}
            spec: {endpoints: [{address: 10.2.0.1, port: 50051}], loadBalancing: RING_HASH, tls: null}
            ---
            kind: FailoverScheme
            metadata: {name: stock}
            spec: {primary: stock-a, failover: [stock-b], overprovisioningFactor: 1000}
            ---
            kind: Secret
            metadata: {name: orders-ca}
            spec: {type: CA, caFile: /etc/tandem/orders-ca.pem, caPem: ""}
            ---
            kind: Secret
            metadata: {name: edge-cert}
            spec: {type: CERTIFICATE, certificateFile: /etc/tandem/edge.pem, privateKeyFile: /etc/tandem/edge.key, caPem: null}
            ---
            """;

    /** What the schema and the loader say of one config. */
    private enum Verdict {
        BOTH_ACCEPT,
        BOTH_REFUSE,
        ONLY_THE_LOADER_REFUSES,
        ONLY_THE_SCHEMA_REFUSES
    }

    @Test
    void isAValidDraft202012SchemaWithItsPublishedId() {
        assertThat(SCHEMA.metaSchemaErrors()).as("the meta-schema's errors").isEmpty();
        assertThat(SCHEMA.root().path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(SCHEMA.root().path("$id").asText()).isEqualTo(SchemaCheck.ID);
        assertThat(SCHEMA.root().path("title").asText()).isNotBlank();
        assertThat(SCHEMA.root().path("description").asText()).contains("stream");
    }

    @Test
    void everyFieldAndDefinitionIsDescribed() {
        assertThat(SCHEMA.undescribed()).isEmpty();
    }

    @Test
    void itsChoicesAreTheModels() {
        assertThat(SCHEMA.pointersOf("enum"))
                .as("every enum of the schema is compared")
                .containsExactlyInAnyOrderElementsOf(CHOICES.keySet());
        CHOICES.forEach((at, model) -> {
            List<String> schema = new ArrayList<>();
            SCHEMA.root().at(at).forEach(choice -> {
                if (!choice.isNull()) {
                    schema.add(choice.asText());
                }
            });
            assertThat(schema).as(at).containsExactlyInAnyOrderElementsOf(model);
        });
    }

    @Test
    void itsDefaultsAreTheModelsConstants() {
        assertThat(SCHEMA.pointersOf("default"))
                .as("every default of the schema is compared")
                .containsExactlyInAnyOrderElementsOf(DEFAULTS.keySet());
        DEFAULTS.forEach((at, model) -> assertThat(SCHEMA.root().at(at)).as(at).isEqualTo(JSON.valueToTree(model)));
    }

    static Stream<ConfigDocuments> validConfigs() throws IOException {
        List<ConfigDocuments> out = new ArrayList<>();
        for (Path sample : gatewayConfigSamples()) {
            out.add(ConfigDocuments.read("sample " + SAMPLES.relativize(sample), sample));
        }
        try (Stream<Path> files = Files.list(GOLDEN.resolve("in"))) {
            for (Path input :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                out.add(ConfigDocuments.read(input.getFileName().toString().replace(".yaml", ""), input));
            }
        }
        out.add(ConfigDocuments.parse("edges", EDGES));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validConfigs")
    void everyDocumentOfAValidConfigValidates(ConfigDocuments config) throws InvalidConfigException {
        // As the mutations give it to the loader: the documents written back as text.
        ConfigLoader.load(config.text());
        for (int i = 0; i < config.documents().size(); i++) {
            // An empty document is skipped by the loader, and by editors.
            if (!config.documents().get(i).isNull()) {
                assertThat(SCHEMA.errors(config.documents().get(i)))
                        .as("%s document %d", config.name(), i + 1)
                        .isEmpty();
            }
        }
    }

    static Stream<String> invalidCases() throws IOException {
        try (Stream<Path> files = Files.list(GOLDEN.resolve("invalid"))) {
            return files
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(INVALID_SUFFIX))
                    .map(n -> n.substring(0, n.length() - INVALID_SUFFIX.length()))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCases")
    void anInvalidCaseIsRefusedByTheSchemaAsByTheLoader(String name) throws IOException {
        String yaml = Files.readString(GOLDEN.resolve("invalid").resolve(name + INVALID_SUFFIX));
        assertThat(loaderErrors(yaml)).as("the loader's errors of %s", name).isPresent();
        List<ConfigError> yamlErrors = new ArrayList<>();
        List<Object> raw = YamlText.loadAll(yaml, name, yamlErrors);
        // What the loader parses wrongly has no documents; an empty document is skipped by the loader.
        boolean noDocument = !yamlErrors.isEmpty() || raw.stream().allMatch(Objects::isNull);
        if (NO_DOCUMENT_TO_VALIDATE.containsKey(name)) {
            assertThat(noDocument)
                    .as("%s is listed as giving no document (%s)", name, NO_DOCUMENT_TO_VALIDATE.get(name))
                    .isTrue();
            return;
        }
        assertThat(noDocument).as("%s gives no document to validate", name).isFalse();
        List<String> schemaErrors = new ArrayList<>();
        for (JsonNode document : ConfigDocuments.parse(name, yaml).documents()) {
            if (!document.isNull()) {
                schemaErrors.addAll(SCHEMA.errors(document));
            }
        }
        if (BEYOND_A_SCHEMA.containsKey(name)) {
            assertThat(schemaErrors)
                    .as(
                            "%s is listed as beyond a schema (%s), so the schema must accept it",
                            name, BEYOND_A_SCHEMA.get(name))
                    .isEmpty();
        } else {
            assertThat(schemaErrors).as("the schema's errors of %s", name).isNotEmpty();
        }
    }

    @Test
    void theTablesOfInvalidCasesNameCasesThatExist() throws IOException {
        List<String> cases = invalidCases().toList();
        assertThat(cases).containsAll(BEYOND_A_SCHEMA.keySet()).containsAll(NO_DOCUMENT_TO_VALIDATE.keySet());
    }

    @TestFactory
    Stream<DynamicNode> whatTheSchemaRefusesTheLoaderRefuses() throws IOException {
        return validConfigs()
                .map(config -> dynamicContainer(
                        config.name(),
                        ConfigMutations.of(SCHEMA, config).stream().map(m -> dynamicTest(m.name(), () -> check(m)))));
    }

    @Test
    void theMutationsMakeEveryKindOfChangeAndTheSchemaClosesEveryMapping() throws IOException {
        List<ConfigMutation> mutations = validConfigs()
                .flatMap(c -> ConfigMutations.of(SCHEMA, c).stream())
                .toList();
        assertThat(mutations.stream().map(ConfigMutation::change).distinct())
                .containsExactlyInAnyOrder(Change.values());
        // The loader reads every mapping through YamlFields, whose finish() refuses fields nobody read.
        assertThat(mutations.stream().filter(m -> m.change() == Change.UNKNOWN_FIELD_ADDED))
                .allMatch(m -> m.expected() == Expected.BOTH_REFUSE, "closed by the schema");
    }

    @Test
    void everyGatewayConfigSampleNamesTheSchemaOnItsFirstLine() throws IOException {
        List<Path> samples = gatewayConfigSamples();
        assertThat(samples).as("gateway config samples").isNotEmpty();
        for (Path sample : samples) {
            Path relative = sample.toAbsolutePath()
                    .getParent()
                    .normalize()
                    .relativize(SCHEMA_FILE.toAbsolutePath().normalize());
            String firstLine = Files.readAllLines(sample).get(0);
            assertThat(firstLine)
                    .as("first line of %s", sample)
                    .isEqualTo(EDITOR_LINE + relative.toString().replace('\\', '/'));
            assertThat(sample.getParent().resolve(firstLine.substring(EDITOR_LINE.length())))
                    .as("the schema %s names", sample)
                    .isRegularFile();
        }
    }

    private static void check(ConfigMutation mutation) {
        List<String> schemaErrors = SCHEMA.errors(mutation.config().documents().get(mutation.document()));
        Verdict verdict = verdict(mutation.config(), schemaErrors);
        if (mutation.expected() == Expected.BOTH_REFUSE) {
            assertThat(verdict)
                    .as("%s; the schema says %s", mutation.name(), schemaErrors)
                    .isEqualTo(Verdict.BOTH_REFUSE);
        } else {
            assertThat(verdict)
                    .as("%s; the schema says %s", mutation.name(), schemaErrors)
                    .isNotEqualTo(Verdict.ONLY_THE_SCHEMA_REFUSES);
        }
    }

    /** What the schema (whose errors of the changed document are given) and the loader say of a config. */
    private static Verdict verdict(ConfigDocuments config, List<String> schemaErrors) {
        boolean loaderRefuses = loaderErrors(config.text()).isPresent();
        if (schemaErrors.isEmpty()) {
            return loaderRefuses ? Verdict.ONLY_THE_LOADER_REFUSES : Verdict.BOTH_ACCEPT;
        }
        return loaderRefuses ? Verdict.BOTH_REFUSE : Verdict.ONLY_THE_SCHEMA_REFUSES;
    }

    private static Optional<List<ConfigError>> loaderErrors(String yaml) {
        try {
            ConfigLoader.load(yaml);
            return Optional.empty();
        } catch (InvalidConfigException e) {
            return Optional.of(e.errors());
        }
    }

    /**
     * The YAML files under samples/ whose documents all have a kind: the gateway configs, not the
     * appliance's own config or the bootstraps.
     */
    private static List<Path> gatewayConfigSamples() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SAMPLES)) {
            for (Path file :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                List<JsonNode> documents =
                        ConfigDocuments.read(file.toString(), file).documents();
                if (!documents.isEmpty() && documents.stream().allMatch(d -> d.has("kind"))) {
                    out.add(file);
                }
            }
        }
        return out;
    }

    private static List<String> names(Enum<?>[] constants) {
        return Arrays.stream(constants).map(Enum::name).toList();
    }

    /** A status range as the config writes it: {@code 200-299}, or {@code 200} alone. */
    private static String spelling(StatusRange range) {
        return range.from() == range.to() ? String.valueOf(range.from()) : range.from() + "-" + range.to();
    }
}
