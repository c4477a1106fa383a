package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.appliance.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListeningPortsTest {

    @TempDir
    Path dir;

    @Test
    void whatServeWritesIsReadBackAndByAScript() throws Exception {
        assertThat(ListeningPorts.read(dir)).isEmpty();
        new ListeningPorts(4242, 43210, 18000).write(dir);
        assertThat(ListeningPorts.read(dir)).contains(new ListeningPorts(4242, 43210, 18000));
        assertThat(Files.readAllLines(ListeningPorts.file(dir)))
                .contains("admin.port=43210", "xds.port=18000", "pid=4242");
        ListeningPorts.remove(dir);
        assertThat(ListeningPorts.file(dir)).doesNotExist();
    }

    @Test
    void anotherFileIsNamed() throws Exception {
        Files.writeString(ListeningPorts.file(dir), "admin.port=x\n");
        assertThatThrownBy(() -> ListeningPorts.read(dir))
                .hasMessage(ListeningPorts.file(dir) + " is not a ports file of tandem serve: " + "admin.port=x");
    }

    @Test
    void theCliWithAnAdminPortZeroAndNoRunningApplianceSaysSo() throws Exception {
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, "dataDir: data\nadmin: {address: 127.0.0.1, port: 0}\n");
        Cli.Result status = Cli.run("status", "--config", config.toString());
        assertThat(status.exit()).isEqualTo(3);
        assertThat(status.err())
                .contains("has admin.port 0 (any free port) and " + dir.resolve("data/ports")
                        + " does not exist: is tandem serve running? (or give --server)");
    }
}
