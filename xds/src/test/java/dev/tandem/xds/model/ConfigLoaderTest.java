package dev.tandem.xds.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.xds.model.Route.TargetKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    static final String VALID = """
            kind: Gateway
            metadata: {name: edge}
            spec:
              nodeGroup: edge
              listeners: [{name: http, port: 8080}]
            ---
            kind: Route
            metadata: {name: orders}
            spec:
              gateways: [edge]
              hosts: [orders.example.com]
              match: {pathPrefix: /orders}
              to: {failoverScheme: orders}
              timeout: 1500ms
            ---
            kind: Upstream
            metadata: {name: a}
            spec:
              endpoints: [{address: 127.0.0.1, port: 9001, locality: {region: site-a}}]
            ---
            kind: Upstream
            metadata: {name: b}
            spec:
              endpoints: [{address: 127.0.0.1, port: 9002, locality: {region: site-b}, weight: 2}]
            ---
            kind: FailoverScheme
            metadata: {name: orders}
            spec: {primary: a, failover: [b]}
            """;

    @Test
    void readsEveryKind() throws Exception {
        GatewayConfig config = ConfigLoader.load(VALID);

        Gateway edge = config.gateway("edge").orElseThrow();
        assertThat(edge.nodeGroup()).isEqualTo("edge");
        assertThat(edge.dataPlane()).isEqualTo(DataPlaneKind.ENVOY);
        assertThat(edge.listeners()).singleElement().satisfies(l -> {
            assertThat(l.address()).isEqualTo("0.0.0.0");
            assertThat(l.port()).isEqualTo(8080);
        });
        Route orders = config.routes().get(0);
        assertThat(orders.match()).isEqualTo(new Route.Match(Route.PathKind.PREFIX, "/orders", List.of()));
        assertThat(orders.retries()).isNull();
        assertThat(orders.requestHeaders().isEmpty()).isTrue();
        assertThat(orders.to()).isEqualTo(new Route.Target(TargetKind.FAILOVER_SCHEME, "orders"));
        assertThat(orders.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.upstream("b").orElseThrow().endpoints().get(0).weight())
                .isEqualTo(2);
        assertThat(config.upstream("a").orElseThrow().connectTimeout()).isEqualTo(Upstream.DEFAULT_CONNECT_TIMEOUT);
        assertThat(config.failoverScheme("orders").orElseThrow().failover()).containsExactly("b");
    }

    @Test
    void omittedFieldsTakeTheModelsDefaults() throws Exception {
        GatewayConfig config = ConfigLoader.load(VALID.replace(
                        "spec:\n  endpoints: [{address: 127.0.0.1, port: 9001",
                        "spec:\n  healthCheck: {type: HTTP, path: /healthz}\n  outlierDetection: {}\n"
                                + "  tls: {caRef: ca}\n  endpoints: [{address: 127.0.0.1, port: 9001")
                + """
                ---
                kind: Secret
                metadata: {name: ca}
                spec: {type: CA, caFile: /etc/tandem/ca.pem}
                """);

        Gateway edge = config.gateway("edge").orElseThrow();
        assertThat(edge.dataPlane()).isEqualTo(Gateway.DEFAULT_DATA_PLANE);
        assertThat(edge.rollout()).isEqualTo(Gateway.Rollout.DEFAULT);
        assertThat(edge.listeners().get(0).protocol()).isEqualTo(Gateway.GatewayListener.DEFAULT_PROTOCOL);
        Upstream a = config.upstream("a").orElseThrow();
        assertThat(a.protocol()).isEqualTo(Upstream.DEFAULT_PROTOCOL);
        assertThat(a.loadBalancing()).isEqualTo(Upstream.DEFAULT_LOAD_BALANCING);
        assertThat(a.endpoints().get(0).weight()).isEqualTo(Upstream.Endpoint.DEFAULT_WEIGHT);
        assertThat(a.tls().mode()).isEqualTo(Upstream.Tls.DEFAULT_MODE);
        assertThat(a.healthCheck())
                .isEqualTo(new HealthCheck(
                        HealthCheck.Type.HTTP,
                        "/healthz",
                        "",
                        HealthCheck.DEFAULT_EXPECTED_STATUSES,
                        "",
                        HealthCheck.DEFAULT_INTERVAL,
                        HealthCheck.DEFAULT_TIMEOUT,
                        HealthCheck.DEFAULT_HEALTHY_THRESHOLD,
                        HealthCheck.DEFAULT_UNHEALTHY_THRESHOLD,
                        HealthCheck.DEFAULT_JITTER,
                        HealthCheck.DEFAULT_INTERVAL));
        assertThat(a.outlierDetection())
                .isEqualTo(new OutlierDetection(
                        OutlierDetection.DEFAULT_CONSECUTIVE_5XX,
                        OutlierDetection.DEFAULT_CONSECUTIVE_GATEWAY_FAILURE,
                        OutlierDetection.DEFAULT_INTERVAL,
                        OutlierDetection.DEFAULT_BASE_EJECTION_TIME,
                        OutlierDetection.DEFAULT_MAX_EJECTION_PERCENT));
        assertThat(config.failoverScheme("orders").orElseThrow().overprovisioningFactor())
                .isEqualTo(FailoverScheme.DEFAULT_OVERPROVISIONING_FACTOR);
    }

    @Test
    void retriesWithoutConditionsRetryOnTheDefaultOnes() throws Exception {
        GatewayConfig config = ConfigLoader.load(
                VALID.replace("  timeout: 1500ms\n", "  timeout: 1500ms\n  retries: {attempts: 2}\n"));
        assertThat(config.routes().get(0).retries().retryOn()).isEqualTo(Route.Retries.DEFAULT_RETRY_ON);
    }

    @Test
    void documentOrderDoesNotMatter() throws Exception {
        String[] docs = VALID.split("---\n");
        List<String> reversed = new ArrayList<>(List.of(docs));
        Collections.reverse(reversed);
        assertThat(ConfigLoader.load(String.join("---\n", reversed))).isEqualTo(ConfigLoader.load(VALID));
    }

    @Test
    void malformedYamlNamesTheLine() {
        assertThat(errors("kind: Gateway\nmetadata: {name: edge\nspec: {}\n"))
                .singleElement()
                .asString()
                .startsWith("file: is not valid YAML at line");
    }

    @Test
    void duplicateKeysAreMalformed() {
        assertThat(errors("kind: Gateway\nkind: Route\n"))
                .singleElement()
                .asString()
                .contains("not valid YAML");
    }

    @Test
    void hostileYamlIsRefusedWithAnError() {
        assertThat(errors("a: &a [x, x]\nb: [*a, *a]\n"))
                .singleElement()
                .asString()
                .contains("not valid YAML");
        assertThat(errors("a: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n"))
                .singleElement()
                .asString()
                .isIn("file: is nested too deeply to be a config", "file: is not valid YAML: nesting depth exceeded");
    }

    @Test
    void emptyFileIsRefused() {
        assertThat(errors("# nothing\n"))
                .containsExactly("file: contains no documents (a config needs at least a Gateway)");
    }

    @Test
    void unknownKindAndMissingFields() {
        assertThat(errors("""
                kind: Gateway
                metadata: {name: edge}
                spec: {nodeGroup: edge, listeners: [{name: http, port: 80}]}
                ---
                kind: Gatway
                metadata: {name: x}
                spec: {}
                ---
                metadata: {name: y}
                spec: {}
                ---
                kind: Upstream
                spec: {}
                """))
                .containsExactly(
                        "document 2: kind 'Gatway' is not a known kind (known: Gateway, Route, Upstream, FailoverScheme, Secret)",
                        "document 3: kind is required",
                        "document 4: metadata.name is required");
    }

    @Test
    void reportsEveryErrorOfTheFileAtOnce() {
        List<String> errors = errors("""
                kind: Gateway
                metadata: {name: edge}
                spec:
                  nodeGroup: edge
                  listeners:
                    - {name: http, port: 70000}
                    - {name: admin, port: "80"}
                  timout: 5s
                ---
                kind: Route
                metadata: {name: orders}
                spec:
                  gateways: [edge, nowhere]
                  hosts: [orders.example.com, "bad host"]
                  match: {pathPrefix: orders}
                  to: {upstream: x}
                  timeout: soon
                ---
                kind: Upstream
                metadata: {name: a}
                spec:
                  endpoints:
                    - {address: db.example.com, port: 0}
                    - {address: 127.0.0.1, port: 80, weight: 0}
                ---
                kind: FailoverScheme
                metadata: {name: empty}
                spec: {primary: a, failover: []}
                ---
                kind: FailoverScheme
                metadata: {name: loop}
                spec: {primary: a, failover: [a, missing]}
                """);
        assertThat(errors)
                .containsExactlyInAnyOrder(
                        "Gateway 'edge': spec.listeners[0].port 70000 is out of range (1 to 65535)",
                        "Gateway 'edge': spec.listeners[1].port must be a whole number, not text '80'",
                        "Gateway 'edge': spec.timout is not a known field (known: dataPlane, listeners, nodeGroup, rollout)",
                        "Route 'orders': spec.hosts[1] 'bad host' is not a host name (name, *.suffix, * or name:port)",
                        "Route 'orders': spec.match.pathPrefix 'orders' must start with /",
                        "Route 'orders': spec.timeout 'soon' is not a duration (use a number with ms, s, m or h, such as 5s or 250ms)",
                        "Route 'orders': spec.gateways 'nowhere' is not a defined Gateway",
                        "Route 'orders': spec.to.upstream 'x' does not exist",
                        "Upstream 'a': spec.endpoints[0].address 'db.example.com' is not an IP address (EDS endpoints are not resolved through DNS)",
                        "Upstream 'a': spec.endpoints[0].port 0 is out of range (1 to 65535)",
                        "Upstream 'a': spec.endpoints[1].weight 0 is out of range (1 to 1000)",
                        "FailoverScheme 'empty': spec.failover must list at least one failover upstream",
                        "FailoverScheme 'loop': spec.failover[0] 'a' is the primary; a failover must be another upstream",
                        "FailoverScheme 'loop': spec.failover[1] 'missing' is not a defined Upstream");
    }

    @Test
    void duplicateNamesNameBothDocuments() {
        assertThat(errors(VALID + """
                ---
                kind: Upstream
                metadata: {name: a}
                spec:
                  endpoints: [{address: 127.0.0.1, port: 9009}]
                """))
                .containsExactly("Upstream 'a': metadata.name is defined twice (documents 3 and 6)");
    }

    @Test
    void sameNameInTwoKindsIsFine() throws Exception {
        GatewayConfig config =
                ConfigLoader.load(VALID.replace("name: orders}\nspec: {primary", "name: a}\nspec: {primary")
                        .replace("failoverScheme: orders", "failoverScheme: a"));
        assertThat(config.failoverScheme("a")).isPresent();
        assertThat(config.upstream("a")).isPresent();
    }

    @Test
    void gatewayShapeAndNodeGroupConflicts() {
        assertThat(errors("""
                kind: Gateway
                metadata: {name: one}
                spec: {nodeGroup: g, listeners: [{name: http, port: 80}, {name: http, port: 81}]}
                ---
                kind: Gateway
                metadata: {name: two}
                spec: {nodeGroup: g, listeners: [{name: other, port: 80}]}
                ---
                kind: Gateway
                metadata: {name: three}
                spec: {nodeGroup: g, dataPlane: proxyless-grpc}
                ---
                kind: Gateway
                metadata: {name: four}
                spec: {nodeGroup: h}
                ---
                kind: Gateway
                metadata: {name: five}
                spec: {nodeGroup: i, dataPlane: sidecar}
                """))
                .containsExactlyInAnyOrder(
                        "Gateway 'one': spec.listeners has two listeners named 'http'",
                        "Gateway 'four': spec.listeners must list at least one listener for dataPlane envoy",
                        "Gateway 'five': spec.dataPlane 'sidecar' is not one of [envoy, proxyless-grpc]",
                        "Gateway 'five': spec.listeners must list at least one listener for dataPlane envoy",
                        "Gateway 'three': spec.dataPlane 'proxyless-grpc' differs from Gateway 'one' ('envoy') in the same node group 'g'",
                        "Gateway 'two': spec.listeners 'other' port 80 is already used by Gateway 'one' listener 'http' in node group 'g'");
    }

    @Test
    void proxylessGatewaysTakeNoListenersAndNoWildcardHosts() {
        assertThat(errors("""
                kind: Gateway
                metadata: {name: mesh}
                spec: {nodeGroup: mesh, dataPlane: proxyless-grpc, listeners: [{name: http, port: 80}]}
                ---
                kind: Route
                metadata: {name: all}
                spec: {gateways: [mesh], hosts: ["*"], to: {upstream: a}}
                ---
                kind: Upstream
                metadata: {name: a}
                spec: {endpoints: [{address: 127.0.0.1, port: 80}]}
                """))
                .containsExactly(
                        "Gateway 'mesh': spec.listeners must be empty for dataPlane proxyless-grpc (its clients get one API listener per route host)",
                        "Route 'all': spec.hosts '*' is a wildcard; Gateway 'mesh' serves proxyless gRPC, whose clients ask for one listener per exact host");
    }

    @Test
    void shadowedRoutesAndAmbiguousTargets() {
        assertThat(errors(VALID + """
                ---
                kind: Route
                metadata: {name: orders-copy}
                spec:
                  gateways: [edge]
                  hosts: [orders.example.com]
                  match: {pathPrefix: /orders}
                  to: {upstream: a, failoverScheme: orders}
                ---
                kind: Route
                metadata: {name: nowhere}
                spec: {gateways: [edge], hosts: [x.example.com]}
                """))
                .containsExactlyInAnyOrder(
                        "Route 'orders-copy': spec.to names both an upstream and a failoverScheme; choose one",
                        "Route 'orders-copy': spec.match for host 'orders.example.com' equals that of Route 'orders' on Gateway 'edge'; one of them would never match",
                        "Route 'nowhere': spec.to is required (an upstream or a failoverScheme)");
    }

    @Test
    void wrongShapesAreNamed() {
        assertThat(errors("""
                kind: Upstream
                metadata: {name: a}
                spec: [1, 2]
                ---
                - just a list
                ---
                kind: Route
                metadata: {name: r, labels: {}}
                apiVersion: v2
                spec: {gateways: edge, hosts: [7], to: {upstream: a}}
                """))
                .containsExactlyInAnyOrder(
                        "Upstream 'a': spec must be a mapping, not a list",
                        "Upstream 'a': spec.endpoints must list at least one endpoint",
                        "document 2: must be a mapping, not a list",
                        "document 2: kind is required",
                        "document 2: metadata.name is required",
                        "document 2: spec is required",
                        "Route 'r': apiVersion 'v2' is not supported (use tandem.dev/v1)",
                        "Route 'r': metadata.labels is not a known field (known: name)",
                        "Route 'r': spec.gateways must be a list, not text 'edge'",
                        "Route 'r': spec.gateways must name at least one gateway",
                        "Route 'r': spec.hosts[0] must be text, not the number 7",
                        "Route 'r': spec.hosts must list at least one host (or \"*\")");
    }

    @Test
    void healthChecksOutliersAndFailoverPolicyAreRead() throws Exception {
        GatewayConfig config = ConfigLoader.load(VALID.replace(
                        "spec:\n  endpoints: [{address: 127.0.0.1, port: 9001",
                        "spec:\n  healthCheck: {type: HTTP, path: /healthz, expectedStatuses: [\"200-299\"], interval: 2s}\n"
                                + "  outlierDetection: {consecutive5xx: 3}\n  healthyPanicThreshold: 30\n"
                                + "  endpoints: [{address: 127.0.0.1, port: 9001")
                .replace(
                        "spec: {primary: a, failover: [b]}",
                        "spec: {primary: a, failover: [b], overprovisioningFactor: 100}"));
        Upstream a = config.upstream("a").orElseThrow();
        assertThat(a.healthCheck().type()).isEqualTo(HealthCheck.Type.HTTP);
        assertThat(a.healthCheck().expectedStatuses()).containsExactly(new HealthCheck.StatusRange(200, 299));
        assertThat(a.healthCheck().noTrafficInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(a.healthCheck().timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.outlierDetection().consecutive5xx()).isEqualTo(3);
        assertThat(a.outlierDetection().maxEjectionPercent()).isEqualTo(10);
        assertThat(a.healthyPanicThreshold()).isEqualTo(30);
        assertThat(config.failoverScheme("orders").orElseThrow().overprovisioningFactor())
                .isEqualTo(100);
        assertThat(config.upstream("b").orElseThrow().healthCheck()).isNull();
    }

    @Test
    void healthCheckMistakesAreNamed() {
        assertThat(errors(VALID.replace(
                                "spec:\n  endpoints: [{address: 127.0.0.1, port: 9001",
                                "spec:\n  healthCheck: {type: HTTP, expectedStatuses: [\"700\", \"299-200\"], timeout: 10s, interval: 5s,"
                                        + " serviceName: x, healthyThreshold: 0}\n  outlierDetection: {maxEjectionPercent: 101}\n"
                                        + "  healthyPanicThreshold: 120\n  endpoints: [{address: 127.0.0.1, port: 9001")
                        .replace(
                                "spec:\n  endpoints: [{address: 127.0.0.1, port: 9002",
                                "spec:\n  healthCheck: {type: TCP, path: /x}\n"
                                        + "  endpoints: [{address: 127.0.0.1, port: 9002")
                        .replace(
                                "spec: {primary: a, failover: [b]}",
                                "spec: {primary: a, failover: [b], overprovisioningFactor: 50}")))
                .containsExactlyInAnyOrder(
                        "Upstream 'a': spec.healthCheck.expectedStatuses[0] '700' is not a status or range from 100 to 599 (such as \"200\" or \"200-299\")",
                        "Upstream 'a': spec.healthCheck.expectedStatuses[1] '299-200' is not a status or range from 100 to 599 (such as \"200\" or \"200-299\")",
                        "Upstream 'a': spec.healthCheck.path is required for an HTTP health check",
                        "Upstream 'a': spec.healthCheck.serviceName applies to GRPC health checks only",
                        "Upstream 'a': spec.healthCheck.healthyThreshold 0 is out of range (1 to 100)",
                        "Upstream 'a': spec.healthCheck.timeout 10s is longer than the interval 5s",
                        "Upstream 'a': spec.outlierDetection.maxEjectionPercent 101 is out of range (0 to 100)",
                        "Upstream 'a': spec.healthyPanicThreshold 120 is out of range (0 to 100)",
                        "Upstream 'b': spec.healthCheck.path applies to HTTP health checks only",
                        "FailoverScheme 'orders': spec.overprovisioningFactor 50 is out of range (100 to 1000)",
                        "FailoverScheme 'orders': spec.failover[0] 'b' has a healthCheck of its own; Envoy runs one health check "
                                + "per cluster, so the upstreams of a failover scheme share the primary's: remove it or make it "
                                + "equal to 'a''s");
    }

    @Test
    void routeMatchesRetriesAndHeaderEditsAreRead() throws Exception {
        GatewayConfig config = ConfigLoader.load(VALID.replace("  match: {pathPrefix: /orders}\n", """
                  match:
                    pathRegex: "^/orders/[0-9]+$"
                    headers:
                      - {name: x-canary, exact: "true"}
                      - {name: x-trace, present: true}
                  retries: {attempts: 2, perTryTimeout: 500ms, retryOn: [5xx, reset]}
                  requestHeaders:
                    set: [{name: x-gateway, value: tandem}]
                    remove: [x-debug]
                """));
        Route r = config.routes().get(0);
        assertThat(r.match().pathKind()).isEqualTo(Route.PathKind.REGEX);
        assertThat(r.match().headers())
                .containsExactly(
                        new Route.HeaderMatch("x-canary", Route.HeaderMatchKind.EXACT, "true"),
                        new Route.HeaderMatch("x-trace", Route.HeaderMatchKind.PRESENT, ""));
        assertThat(r.retries()).isEqualTo(new Route.Retries(2, Duration.ofMillis(500), List.of("5xx", "reset")));
        assertThat(r.requestHeaders())
                .isEqualTo(new Route.HeaderEdits(List.of(new Route.Header("x-gateway", "tandem")), List.of("x-debug")));
    }

    @Test
    void routeMistakesAreNamed() {
        assertThat(errors(VALID.replace("  match: {pathPrefix: /orders}\n", """
                  match:
                    path: /a
                    pathRegex: "(a"
                    headers:
                      - {name: X-Bad, exact: "1", prefix: "2"}
                      - {name: x-re, regex: "(?<=a)b"}
                  retries: {attempts: 20, retryOn: [sometimes]}
                  requestHeaders:
                    set: [{name: host, value: x}]
                    remove: [":path"]
                """)))
                .containsExactlyInAnyOrder(
                        "Route 'orders': spec.match names [path, pathRegex]; a route matches one path rule",
                        "Route 'orders': spec.match.headers[0].name 'X-Bad' is not a lower-case HTTP header name",
                        "Route 'orders': spec.match.headers[0] must have exactly one of exact, prefix, regex or present: true",
                        "Route 'orders': spec.match.headers[1].regex '(?<=a)b' is not an RE2 regex: invalid named capture",
                        "Route 'orders': spec.retries.attempts 20 is out of range (1 to 10)",
                        "Route 'orders': spec.retries.retryOn[0] 'sometimes' is not one of [5xx, cancelled, connect-failure, "
                                + "deadline-exceeded, envoy-ratelimited, gateway-error, internal, refused-stream, reset, "
                                + "resource-exhausted, retriable-4xx, retriable-headers, retriable-status-codes, unavailable]",
                        "Route 'orders': spec.requestHeaders.set[0].name 'host' is not a lower-case header name that may be set "
                                + "(not host or a pseudo-header)",
                        "Route 'orders': spec.requestHeaders.remove[0] ':path' is not a lower-case header name that may be removed");
    }

    @Test
    void proxylessGroupsRefuseWhatGrpcClientsWouldIgnoreOrReject() {
        assertThat(errors("""
                kind: Gateway
                metadata: {name: mesh}
                spec: {nodeGroup: mesh, dataPlane: proxyless-grpc}
                ---
                kind: Route
                metadata: {name: r}
                spec:
                  gateways: [mesh]
                  hosts: [svc]
                  to: {upstream: a}
                  retries: {attempts: 2, perTryTimeout: 1s, retryOn: [5xx, unavailable]}
                  requestHeaders: {remove: [x-debug]}
                ---
                kind: Upstream
                metadata: {name: a}
                spec: {loadBalancing: MAGLEV, endpoints: [{address: 127.0.0.1, port: 80}]}
                """))
                .containsExactlyInAnyOrder(
                        "Route 'r': spec.requestHeaders is not supported; Gateway 'mesh' serves proxyless gRPC clients, which ignore it",
                        "Route 'r': spec.retries.perTryTimeout is not supported; Gateway 'mesh' serves proxyless gRPC clients, which ignore it",
                        "Route 'r': spec.retries.retryOn '5xx' is not a gRPC status; Gateway 'mesh' serves proxyless gRPC clients, which "
                                + "retry only on [cancelled, deadline-exceeded, internal, resource-exhausted, unavailable]",
                        "Upstream 'a': spec.loadBalancing MAGLEV is not supported by proxyless gRPC clients (Gateway 'mesh'); "
                                + "use ROUND_ROBIN, LEAST_REQUEST or RING_HASH");
    }

    @Test
    void tlsAndSecretMistakesAreNamedWithoutQuotingKeys() {
        List<String> errors = errors("""
                kind: Gateway
                metadata: {name: edge}
                spec:
                  nodeGroup: edge
                  listeners:
                    - {name: https, port: 443, protocol: HTTPS}
                    - {name: http, port: 80, tls: {certRef: ca}}
                ---
                kind: Gateway
                metadata: {name: mesh}
                spec: {nodeGroup: mesh, dataPlane: proxyless-grpc}
                ---
                kind: Route
                metadata: {name: r}
                spec: {gateways: [edge, mesh], hosts: [svc], to: {upstream: a}}
                ---
                kind: Upstream
                metadata: {name: a}
                spec:
                  tls: {mode: MUTUAL, caRef: cert}
                  endpoints: [{address: 127.0.0.1, port: 443}]
                ---
                kind: Upstream
                metadata: {name: b}
                spec:
                  tls: {mode: SIMPLE, caRef: nowhere, certRef: cert}
                  endpoints: [{address: 127.0.0.1, port: 443}]
                ---
                kind: Secret
                metadata: {name: ca}
                spec: {type: CA, caPem: "not a certificate", caFile: relative/ca.pem}
                ---
                kind: Secret
                metadata: {name: cert}
                spec:
                  type: CERTIFICATE
                  certificateFile: /etc/tandem/cert.pem
                  privateKeyPem: "-----BEGIN PRIVATE KEY-----\\nSECRETSECRET"
                """);
        assertThat(errors)
                .containsExactlyInAnyOrder(
                        "Gateway 'edge': spec.listeners[0].tls is required for protocol HTTPS (tls: {certRef: <Secret>})",
                        "Gateway 'edge': spec.listeners[1].tls applies to protocol HTTPS only",
                        "Upstream 'a': spec.tls.certRef is required for mode MUTUAL (the certificate Envoy presents)",
                        "Upstream 'b': spec.tls.certRef applies to mode MUTUAL only",
                        "Secret 'ca': spec.caPem and caFile are both given; use one",
                        "Secret 'ca': spec.caFile 'relative/ca.pem' must be an absolute path on the appliance host",
                        "Secret 'ca': spec.caPem is not a PEM certificate (no BEGIN CERTIFICATE block)",
                        "Secret 'cert': spec.privateKeyPem is not a single PEM private key block (PKCS#8, RSA or EC)",
                        "Gateway 'edge': spec.listeners.http.tls.certRef 'ca' is a CA secret; a CERTIFICATE secret is needed here",
                        "Upstream 'a': spec.tls.caRef 'cert' is a CERTIFICATE secret; a CA secret is needed here",
                        "Upstream 'b': spec.tls.caRef 'nowhere' is not a defined Secret",
                        "Upstream 'a': spec.tls is served by SDS, which proxyless gRPC clients (Gateway 'mesh') do not use; they "
                                + "take certificates from their own certificate providers");
        assertThat(String.join("\n", errors)).doesNotContain("SECRETSECRET");
    }

    @Test
    void overLongTextsAreRefusedByTheirLengthWithoutBeingQuoted() {
        String megabyte = "h".repeat(1024 * 1024);
        String longName = "n".repeat(5000);
        List<String> errors = errors(VALID.replace("hosts: [orders.example.com]", "hosts: [\"" + megabyte + "\"]")
                .replace("{primary: a, failover: [b]}", "{primary: a, failover: [b, " + longName + "]}")
                .replace("metadata: {name: b}", "metadata: {name: " + longName + "}"));

        assertThat(errors)
                .contains(
                        "Route 'orders': spec.hosts[0] is 1048576 characters long; at most 259",
                        "FailoverScheme 'orders': spec.failover[1] is 5000 characters long; at most 4096",
                        "document 4: metadata.name is 5000 characters long; at most 4096");
        assertThat(String.join("\n", errors)).doesNotContain("h".repeat(100)).doesNotContain("n".repeat(100));
    }

    private static List<String> errors(String yaml) {
        try {
            ConfigLoader.load(yaml);
        } catch (InvalidConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the config to be refused:\n" + yaml);
    }

    @Test
    void invalidConfigExceptionListsAllErrors() {
        assertThatThrownBy(() -> ConfigLoader.load("kind: Upstream\nmetadata: {name: a}\nspec: {endpoints: []}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("Upstream 'a': spec.endpoints must list at least one endpoint");
    }
}
