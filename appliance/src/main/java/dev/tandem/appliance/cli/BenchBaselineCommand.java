package dev.tandem.appliance.cli;

import dev.tandem.appliance.bench.BaselineServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The baseline server {@code tandem bench --baseline} starts in its own process; not for operators. */
@Command(
        name = "bench-baseline",
        hidden = true,
        description = "The bare java-control-plane server of tandem bench --baseline.")
final class BenchBaselineCommand implements Callable<Integer> {

    @Option(names = "--dir", required = true)
    Path dir;

    @Option(names = "--port", required = true)
    int port;

    @Override
    public Integer call() throws Exception {
        BaselineServer.run(dir, port);
        return 0;
    }
}
