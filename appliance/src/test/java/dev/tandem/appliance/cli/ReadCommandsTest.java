package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The read commands' output formats, rendered from fixed admin API answers. */
class ReadCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    // As the admin API writes it (api.Json): indented, a final newline.
    private static final String TOKENS = """
            {
              "tokens" : [ {
                "name" : "initial-admin",
                "role" : "admin",
                "createdAt" : "2026-11-30T08:00:00.123456Z",
                "createdBy" : "tandem serve"
              }, {
                "name" : "12345678",
                "role" : "viewer",
                "createdAt" : "2026-12-01T10:00:00Z",
                "createdBy" : "initial-admin"
              }, {
                "name" : "no",
                "role" : "viewer",
                "createdAt" : "2026-12-01T10:00:00Z",
                "createdBy" : "null"
              } ]
            }
            """;

    @Test
    void jsonIsTheAdminApisAnswerByteForByte() throws IOException {
        assertThat(print(OutputOption.Format.json, TOKENS)).isEqualTo(TOKENS);
    }

    @Test
    void yamlHoldsTheSameTreeAndKeepsStringsThatLookLikeNumbersStrings() throws IOException {
        String yaml = print(OutputOption.Format.yaml, TOKENS);
        assertThat(yaml)
                .startsWith("tokens:\n- name: initial-admin\n")
                .contains("name: \"12345678\"")
                .contains("name: \"no\"")
                .contains("createdBy: \"null\"");
        assertThat(new YAMLMapper().readTree(yaml)).isEqualTo(JSON.readTree(TOKENS));
    }

    @Test
    void adminTokensAreATable() throws IOException {
        assertThat(print(OutputOption.Format.text, TOKENS)).isEqualTo("""
                NAME           ROLE    CREATED               BY
                initial-admin  admin   2026-11-30T08:00:00Z  tandem serve
                12345678       viewer  2026-12-01T10:00:00Z  initial-admin
                no             viewer  2026-12-01T10:00:00Z  null
                """);
        assertThat(AdminTokenCommand.ListTokens.text(JSON.readTree("{\"tokens\": []}")))
                .isEqualTo("no admin tokens\n");
    }

    @Test
    void certificatesAreATableWithTheirStateNow() throws IOException {
        JsonNode answer = JSON.readTree("""
                {"certificates": [
                  {"serial": "5f2a", "identity": "spiffe://tandem/group/edge/node/envoy-1",
                   "expiresAt": "2027-03-01T00:00:00Z", "revokedAt": null},
                  {"serial": "1c3b0e", "identity": "spiffe://tandem/group/edge/node/envoy-2",
                   "expiresAt": "2026-11-01T00:00:00Z", "revokedAt": null},
                  {"serial": "77", "identity": "spiffe://tandem/group/mesh/node/grpc-7",
                   "expiresAt": "2027-03-01T00:00:00Z", "revokedAt": "2026-12-01T09:00:00Z"}]}
                """);
        assertThat(CertCommand.ListCertificates.text(answer, Instant.parse("2026-12-01T10:00:00Z")))
                .isEqualTo("""
                SERIAL  STATE    EXPIRES               IDENTITY
                5f2a    valid    2027-03-01T00:00:00Z  spiffe://tandem/group/edge/node/envoy-1
                1c3b0e  expired  2026-11-01T00:00:00Z  spiffe://tandem/group/edge/node/envoy-2
                77      revoked  2027-03-01T00:00:00Z  spiffe://tandem/group/mesh/node/grpc-7
                """);
        assertThat(CertCommand.ListCertificates.text(JSON.readTree("{\"certificates\": []}"), Instant.EPOCH))
                .isEqualTo("no certificates issued\n");
    }

    @Test
    void anExportIsATableWithTheErrorOfAGroupBehind() throws IOException {
        JsonNode answer = JSON.readTree("""
                {"store": "s3://tandem-exports/prod", "nodeGroups": {
                  "edge": {"revision": 7, "exportedRevision": 7, "lag": 0, "exportedAt": "2026-12-01T10:01:00.5Z",
                           "lastError": "timed out", "lastErrorAt": "2026-12-01T10:00:30Z"},
                  "mesh": {"revision": 6, "exportedRevision": 5, "lag": 1, "exportedAt": "2026-11-30T08:00:00Z",
                           "lastError": "connection refused", "lastErrorAt": "2026-12-01T10:01:30Z"}}}
                """);
        assertThat(ExportCommand.text(answer)).isEqualTo("""
                store: s3://tandem-exports/prod
                NODE GROUP  REVISION  EXPORTED  LAG  EXPORTED AT           LAST ERROR
                edge        7         7         0    2026-12-01T10:01:00Z  -
                mesh        6         5         1    2026-11-30T08:00:00Z  connection refused (2026-12-01T10:01:30Z)
                """);
    }

    @Test
    void anUnknownOutputFormatIsAUsageErrorNamingTheFormats() {
        for (String[] command : new String[][] {{"status"}, {"cert", "list"}, {"admin-token", "list"}, {"export"}}) {
            StringWriter err = new StringWriter();
            String[] args = Stream.concat(Arrays.stream(command), Stream.of("-o", "xml"))
                    .toArray(String[]::new);
            assertThat(TandemCommand.commandLine().setErr(new PrintWriter(err)).execute(args))
                    .as(String.join(" ", command))
                    .isEqualTo(CommandLine.ExitCode.USAGE);
            assertThat(err.toString())
                    .contains("--output")
                    .contains("[text, json, yaml]")
                    .contains("'xml'");
        }
    }

    private static String print(OutputOption.Format format, String answer) throws IOException {
        OutputOption output = new OutputOption();
        output.format = format;
        StringWriter out = new StringWriter();
        JsonNode json = JSON.readTree(answer);
        output.print(new PrintWriter(out), json, () -> AdminTokenCommand.ListTokens.text(json));
        return out.toString();
    }
}
