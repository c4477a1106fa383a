package dev.tandem.appliance.cli;

import dev.tandem.appliance.bench.Bench;
import dev.tandem.appliance.bench.BenchReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem bench}: see {@link Bench}. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Load-test an appliance (started in its own process on loopback): N simulated Envoys over mTLS, "
                        + "config changes through the admin API; reports convergence, bytes per push and type, heap, RSS and CPU.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--clients", defaultValue = "100", description = "Simulated Envoys (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--groups",
            defaultValue = "1",
            description = "Node groups they are spread over (default ${DEFAULT-VALUE}).")
    int groups;

    @Option(
            names = "--clusters",
            defaultValue = "100",
            description = "Clusters per node group (default ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--protocol", defaultValue = "sotw", description = "sotw or delta (default ${DEFAULT-VALUE}).")
    String protocol;

    @Option(
            names = "--changes",
            defaultValue = "10",
            description =
                    "Config changes, alternately an endpoint move (EDS only) and a route change (default ${DEFAULT-VALUE}).")
    int changes;

    @Option(names = "--interval", defaultValue = "5s", description = "Time between changes (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(
            names = "--target-heap",
            defaultValue = "2g",
            description = "-Xmx of the target appliance (default ${DEFAULT-VALUE}).")
    String heap;

    @Option(
            names = "--baseline",
            description = "Then run the same load against a bare java-control-plane (SimpleCache, "
                    + "V3DiscoveryServer, grpc-netty, same mTLS and snapshots) and print Tandem/baseline ratios.")
    boolean baseline;

    @Option(names = "--json", description = "Also write the report as JSON to this file.")
    Optional<Path> json;

    @Option(
            names = "--churn",
            defaultValue = "0",
            paramLabel = "N",
            description =
                    "Then an endpoint churn phase: N endpoint changes per second (0: none; default ${DEFAULT-VALUE}).")
    int churn;

    @Option(
            names = "--churn-batch",
            defaultValue = "10",
            paramLabel = "M",
            description =
                    "Endpoints moved per apply in the churn phase: N/M applies per second (default ${DEFAULT-VALUE}).")
    int churnBatch;

    @Option(
            names = "--churn-duration",
            defaultValue = "30s",
            description = "Length of the churn phase (default ${DEFAULT-VALUE}).")
    Duration churnDuration;

    @Option(
            names = "--profile",
            paramLabel = "DIR",
            description = "Record the target with JFR (the JDK's profile settings) "
                    + "into DIR/tandem.jfr (and DIR/baseline.jfr); read with `jfr view hot-methods FILE`.")
    Optional<Path> profile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (clients < 1
                || groups < 1
                || clusters < 1
                || changes < 0
                || groups > clients
                || !(protocol.equals("sotw") || protocol.equals("delta"))
                || !heap.matches("[0-9]+[kmgKMG]?")
                || churn < 0
                || churnBatch < 1
                || churnBatch > clusters
                || churnDuration.isZero()) {
            err.println(
                    "tandem bench: --clients, --groups (at most --clients), --clusters at least 1; --protocol sotw or delta; "
                            + "--interval and --churn-duration durations; --target-heap like 2g; --churn at least 0; "
                            + "--churn-batch from 1 to --clusters");
            err.flush();
            return 2;
        }
        Path workdir = Files.createTempDirectory("tandem-bench");
        if (profile.isPresent()) {
            Files.createDirectories(profile.get());
        }
        try {
            BenchReport report = new Bench(
                            new Bench.Settings(
                                    clients,
                                    groups,
                                    clusters,
                                    Bench.protocol(protocol),
                                    changes,
                                    interval,
                                    heap,
                                    workdir,
                                    baseline,
                                    profile,
                                    churn,
                                    churnBatch,
                                    churnDuration),
                            spec.commandLine().getOut())
                    .run();
            if (json.isPresent()) {
                Files.writeString(json.get(), report.json());
            }
            return 0;
        } catch (IllegalStateException | IOException e) {
            err.println("tandem bench: " + e.getMessage() + " (target log: " + workdir.resolve("target.log") + ")");
            err.flush();
            return 3;
        }
    }
}
