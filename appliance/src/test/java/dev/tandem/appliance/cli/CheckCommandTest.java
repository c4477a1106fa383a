package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {

    @TempDir
    Path dir;

    @Test
    void theQuickStartSampleIsValid() {
        assertThat(run("check", "-f", "../samples/quickstart/gateway.yaml"))
                .isEqualTo(
                        "0|../samples/quickstart/gateway.yaml is valid: 6 documents, node groups [edge, grpc-clients]\n");
    }

    @Test
    void anInvalidFileListsEveryErrorAndExitsOne() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                kind: Upstream
                metadata: {name: a}
                spec: {endpoints: [{address: 127.0.0.1, port: 0}], protocol: HTTP3}
                """);
        String result = run("check", "-f", bad.toString());
        assertThat(result)
                .startsWith("1|")
                .contains("2 error(s)")
                // At its line and column, the form compilers print, for editors and CI logs to link.
                .contains(bad + ":3:47: Upstream 'a': spec.endpoints[0].port 0 is out of range (1 to 65535)")
                .contains(bad + ":3:62: Upstream 'a': spec.protocol 'HTTP3' is not one of [HTTP1, HTTP2]");
    }

    @Test
    void aMissingFileExitsThree() {
        assertThat(run("check", "-f", dir.resolve("nope.yaml").toString())).startsWith("3|tandem check: cannot read");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run("check")).startsWith("2|");
        assertThat(run("frobnicate")).startsWith("2|");
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        int exit = TandemCommand.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(out))
                .execute(args);
        return exit + "|" + out;
    }
}
