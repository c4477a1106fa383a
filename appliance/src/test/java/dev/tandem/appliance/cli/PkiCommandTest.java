package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiCommandTest {

    @TempDir
    Path dir;

    @Test
    void initCreatesOnceAndThenReportsTheCa() throws Exception {
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(
                config,
                "node: {id: t1}\ndataDir: data\npki: {serverNames: [t1.example.com], serverAddresses: [10.0.0.5]}\n");
        String first = run("pki", "init", "--config", config.toString());
        assertThat(first)
                .startsWith("0|created cluster CA SHA256:")
                .contains("created server certificate for [t1.example.com] [10.0.0.5]")
                .contains("created export-signing key (Ed25519)");
        assertThat(dir.resolve("data/pki/ca.pem")).exists();
        String second = run("pki", "init", "--config", config.toString());
        assertThat(second).startsWith("0|the PKI in " + dir.resolve("data/pki") + " is complete; nothing created");
    }

    @Test
    void aHalfBroughtPairIsNamed() throws Exception {
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, "dataDir: data\npki: {caCertFile: /etc/ca.pem}\n");
        assertThat(run("pki", "init", "--config", config.toString()))
                .contains("pki.caCertFile and caKeyFile go together: bring both or neither")
                .startsWith("3|");
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
