package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Duration options take the config files' syntax, defaults included, and a bad value is one line and exit 2. */
class DurationOptionsTest {

    @Test
    void valuesAndDefaultsAreInTheConfigSyntax() {
        CommandLine.ParseResult parsed = TandemCommand.commandLine().parseArgs("bench", "--interval", "1500ms");
        BenchCommand bench = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertThat(bench.interval).isEqualTo(Duration.ofMillis(1500));
        assertThat(bench.churnDuration).isEqualTo(Duration.ofSeconds(30));

        parsed = TandemCommand.commandLine()
                .parseArgs("dataplane", "--bootstrap", "b", "--store", "s", "--trusted-key", "k");
        DataPlaneCommand dataPlane =
                parsed.subcommand().commandSpec().commandLine().getCommand();
        assertThat(dataPlane.probeInterval).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aValueNotInTheSyntaxIsAUsageErrorNamingTheOption() {
        assertThat(run(
                        "dataplane",
                        "--bootstrap",
                        "b",
                        "--store",
                        "s",
                        "--trusted-key",
                        "k",
                        "--probe-interval",
                        "PT5S"))
                .isEqualTo("2 tandem dataplane: --probe-interval 'PT5S' is not a duration such as 5s\n");
        assertThat(run("bench", "--churn-duration=5 s"))
                .isEqualTo("2 tandem bench: --churn-duration '5 s' is not a duration such as 5s\n");
    }

    @Test
    void aZeroProbeIntervalIsRefusedAsTyped() {
        assertThat(run(
                        "dataplane",
                        "--bootstrap",
                        "b",
                        "--store",
                        "s",
                        "--trusted-key",
                        "k",
                        "--probe-interval",
                        "0ms"))
                .isEqualTo("2 tandem dataplane: --probe-interval '0ms' is not a duration such as 5s\n");
    }

    @Test
    void otherUsageErrorsStayPicoclis() {
        assertThat(run("bench", "--clients", "many"))
                .startsWith("2 Invalid value for option '--clients': 'many' is not an int\n")
                .contains("Usage: tandem bench");
    }

    /** The exit code, a space, and what the command said on stderr. */
    private static String run(String... args) {
        StringWriter err = new StringWriter();
        int exit = TandemCommand.commandLine().setErr(new PrintWriter(err)).execute(args);
        return exit + " " + err;
    }
}
