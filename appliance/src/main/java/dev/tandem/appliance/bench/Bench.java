package dev.tandem.appliance.bench;

import dev.tandem.xds.snapshot.XdsType;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.ToLongBiFunction;
import java.util.stream.Stream;

/**
 * {@code tandem bench}: N simulated Envoys (each its own node id and mTLS connection, ACKing every
 * response) against an appliance in its own process, then config changes through the admin API at a
 * fixed interval. For each change: convergence (from the apply request to every simulated node
 * having ACKed the new versions; the apply answers once the snapshots are set, and nodes are often
 * served before that answer arrives) and the bytes pushed per type; then the target's heap, RSS and CPU.
 * It reports figures ({@link BenchReport}); it asserts nothing about time (machines are noisy).
 */
public final class Bench {

    /** The cluster name of the target's identities (the default; the bench configures none). */
    private static final String CLUSTER = "tandem";
    /** The types a config change can change, in the order a change is checked for them. */
    private static final List<String> CONFIG_TYPES = Stream.of(
                    XdsType.LISTENERS, XdsType.ROUTES, XdsType.CLUSTERS, XdsType.ENDPOINTS)
            .map(XdsType::shortName)
            .toList();
    /** The types whose pushes are counted. */
    private static final List<String> PUSHED_TYPES =
            Arrays.stream(XdsType.values()).map(XdsType::shortName).toList();

    private final Settings settings;
    private final PrintWriter out;
    /**
     * Churn steps applied so far. Not reset between the targets: the baseline's churn goes on from
     * where Tandem's stopped, as it always has, and the re-apply after it repeats the last step.
     */
    private long churnSteps;

    public Bench(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * What to run.
     *
     * @param profile       a folder for JFR recordings of the targets
     * @param churn         endpoint changes per second in the churn phase (0: no churn phase)
     * @param churnBatch    endpoints moved per apply in the churn phase (applies per second = churn / batch)
     * @param churnDuration how long the churn phase lasts
     */
    public record Settings(
            int clients,
            int groups,
            int clusters,
            Protocol protocol,
            int changes,
            Duration interval,
            String heap,
            Path workdir,
            boolean baseline,
            Optional<Path> profile,
            int churn,
            int churnBatch,
            Duration churnDuration) {}

    /** The ADS variant the simulated Envoys speak. */
    public enum Protocol {
        sotw,
        delta
    }

    /** {@code sotw} or {@code delta}. */
    public static Protocol protocol(String name) {
        return Protocol.valueOf(name);
    }

    /**
     * Runs the scenario against Tandem and, with {@code baseline}, then against the bare
     * java-control-plane baseline; returns the report (also printed).
     */
    public BenchReport run() throws Exception {
        TargetReport tandem;
        try (BenchTarget target = BenchTarget.start(
                Files.createDirectories(settings.workdir().resolve("tandem")), settings.heap(), settings.profile())) {
            tandem = runAgainst(target);
        }
        if (!settings.baseline()) {
            return BenchReport.of(tandem);
        }
        TargetReport baseline;
        try (BaselineTarget target =
                BaselineTarget.start(settings.workdir().resolve("baseline"), settings.heap(), settings.profile())) {
            baseline = runAgainst(target);
        }
        BenchReport report = BenchReport.compared(tandem, baseline);
        report.printRatios(out);
        return report;
    }

    private TargetReport runAgainst(Target target) throws Exception {
        BenchConfig config = new BenchConfig(settings.groups(), settings.clusters());
        List<SimulatedDataPlane> planes = new ArrayList<>();
        List<ChangeResult> results = new ArrayList<>();
        List<ManagedChannel> channels = new ArrayList<>();
        out.println("== " + target.name());
        try {
            target.apply(config.yaml(0, 0));
            BenchIdentities identities =
                    BenchIdentities.issue(target.pkiDir(), CLUSTER, settings.clients(), Bench::nodeId, this::group);
            out.printf(
                    "%d client certificates issued (one per simulated node) in %.0f ms%n",
                    settings.clients(), identities.issueMillis());
            long connectStart = System.nanoTime();
            for (int i = 0; i < settings.clients(); i++) {
                ManagedChannel channel = NettyChannelBuilder.forAddress(
                                "127.0.0.1", target.xdsPort(), identities.credentials(i))
                        .build();
                channels.add(channel);
                planes.add(new SimulatedDataPlane(channel, nodeId(i), group(i), settings.protocol()));
            }
            ServedVersions versions = target.versions();
            awaitConverged(planes, versions, versions.isEmpty() ? List.of() : CONFIG_TYPES, Duration.ofMinutes(5));
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            out.printf(
                    "%d simulated Envoys (%s) in %d node groups, %d clusters each: all served in %.2f s%n",
                    settings.clients(), settings.protocol(), settings.groups(), settings.clusters(), connectSeconds);
            out.flush();

            int endpointShift = 0;
            int timeoutStep = 0;
            for (int k = 1; k <= settings.changes(); k++) {
                boolean eds = k % 2 == 1;
                if (eds) {
                    endpointShift++;
                } else {
                    timeoutStep++;
                }
                String yaml = config.yaml(endpointShift, timeoutStep);
                SortedMap<String, Long> bytesBefore = totals(planes, SimulatedDataPlane::bytes);
                SortedMap<String, Long> countBefore = totals(planes, SimulatedDataPlane::responses);
                // From the apply request (not its answer: data planes are often served before the answer arrives).
                long appliedAt = System.nanoTime();
                target.apply(yaml);
                double applyMillis = (System.nanoTime() - appliedAt) / 1e6;
                long revision = k + 1;
                ServedVersions next = target.versions();
                List<String> changed = next.changedSince(versions, CONFIG_TYPES);
                List<Double> convergence = awaitConverged(planes, next, changed, Duration.ofMinutes(2)).stream()
                        .map(t -> (t - appliedAt) / 1e6)
                        .toList();
                // Let stray pushes (there should be none) arrive before counting bytes.
                Thread.sleep(200);
                results.add(new ChangeResult(
                        eds ? "endpoint" : "route",
                        revision,
                        applyMillis,
                        convergence,
                        minus(totals(planes, SimulatedDataPlane::bytes), bytesBefore),
                        minus(totals(planes, SimulatedDataPlane::responses), countBefore)));
                versions = next;
                Thread.sleep(Math.max(0, settings.interval().toMillis() - (System.nanoTime() - appliedAt) / 1_000_000));
            }

            Optional<ChurnResult> churn =
                    settings.churn() > 0 ? Optional.of(churn(target, config, planes, timeoutStep)) : Optional.empty();

            // An identical re-apply changes nothing and pushes nothing.
            SortedMap<String, Long> before = totals(planes, SimulatedDataPlane::bytes);
            target.apply(
                    settings.churn() > 0
                            ? config.churned(churnSteps, settings.churnBatch(), timeoutStep)
                            : config.yaml(endpointShift, timeoutStep));
            Thread.sleep(500);
            SortedMap<String, Long> reapplied = minus(totals(planes, SimulatedDataPlane::bytes), before);

            StormResult storm = reconnectStorm(target, planes, identities, channels);

            ProcessUsage usage = target.usage();
            double heap = target.heapUsedBytes();
            long liveHeap = target.liveHeapBytes();
            TargetReport report = new TargetReport(
                    identities.issueMillis(),
                    results,
                    churn,
                    Convergence.of(results.stream()
                            .flatMap(r -> r.convergenceMillis().stream())
                            .toList()),
                    planes.stream().mapToLong(SimulatedDataPlane::failures).sum(),
                    new TargetReport.IdenticalReapply(reapplied),
                    connectSeconds,
                    storm,
                    TargetReport.Scenario.of(settings),
                    new TargetResources(usage.cpuMillis() / 1000.0, liveHeap, heap, usage.rssBytes()));
            report.printSummary(out);
            return report;
        } finally {
            planes.forEach(SimulatedDataPlane::close);
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    /**
     * Every node loses its stream at once and reconnects on a new channel, saying what it has;
     * {@code channels} then holds the new channels.
     */
    private static StormResult reconnectStorm(
            Target target, List<SimulatedDataPlane> planes, BenchIdentities identities, List<ManagedChannel> channels)
            throws Exception {
        SortedMap<String, Long> bytesBefore = totals(planes, SimulatedDataPlane::bytes);
        SortedMap<String, Long> countBefore = totals(planes, SimulatedDataPlane::responses);
        List<ManagedChannel> fresh = new ArrayList<>();
        long stormStart = System.nanoTime();
        for (int i = 0; i < planes.size(); i++) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(
                            "127.0.0.1", target.xdsPort(), identities.credentials(i))
                    .build();
            fresh.add(channel);
            planes.get(i).reconnect(channel);
        }
        channels.forEach(ManagedChannel::shutdownNow);
        channels.clear();
        channels.addAll(fresh);
        double stormSeconds = awaitConnected(target, planes.size(), Duration.ofMinutes(5), stormStart);
        // A listening window, not a wait for a condition: what the storm measures is what arrives
        // unasked (a re-send of what the nodes have), so there is nothing to poll for.
        Thread.sleep(1000);
        return new StormResult(
                stormSeconds,
                minus(totals(planes, SimulatedDataPlane::bytes), bytesBefore),
                minus(totals(planes, SimulatedDataPlane::responses), countBefore));
    }

    /**
     * Endpoint churn: {@code churn} endpoint changes per second for {@code churnDuration}, in applies of
     * {@code churnBatch} moves each, issued on a fixed schedule (an apply that is late delays the next;
     * the achieved rate is reported). A node that is sent a later version before it ACKs an earlier one
     * has converged on the earlier one when it ACKs the later (state of the world sends only the latest).
     */
    private ChurnResult churn(Target target, BenchConfig config, List<SimulatedDataPlane> planes, int timeoutStep)
            throws Exception {
        int batch = settings.churnBatch();
        long period = (long) (1e9 * batch / settings.churn());
        SortedMap<String, Long> bytesBefore = totals(planes, SimulatedDataPlane::bytes);
        List<Long> appliedAt = new ArrayList<>();
        List<Double> applyMillis = new ArrayList<>();
        List<ServedVersions> versions = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + settings.churnDuration().toNanos();
        for (long step = 0; start + step * period < end; step++) {
            long wait = start + step * period - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            churnSteps++;
            long at = System.nanoTime();
            target.apply(config.churned(churnSteps, batch, timeoutStep));
            applyMillis.add((System.nanoTime() - at) / 1e6);
            appliedAt.add(at);
            versions.add(target.versions());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        awaitConverged(
                planes,
                versions.get(versions.size() - 1),
                List.of(XdsType.ENDPOINTS.shortName()),
                Duration.ofMinutes(2));
        Thread.sleep(200);
        List<Double> convergence = new ArrayList<>();
        for (SimulatedDataPlane plane : planes) {
            long earliest = Long.MAX_VALUE;
            // Backwards: converged on apply k at the first ACK of k's version or any later one.
            for (int k = versions.size() - 1; k >= 0; k--) {
                OptionalLong at = plane.ackedAt(
                        XdsType.ENDPOINTS.shortName(),
                        versions.get(k).of(plane.nodeGroup(), XdsType.ENDPOINTS.shortName()));
                if (at.isPresent()) {
                    earliest = Math.min(earliest, at.getAsLong());
                }
                if (earliest != Long.MAX_VALUE) {
                    convergence.add((earliest - appliedAt.get(k)) / 1e6);
                }
            }
        }
        return new ChurnResult(
                versions.size(),
                ChurnResult.ApplyMillis.of(applyMillis),
                minus(totals(planes, SimulatedDataPlane::bytes), bytesBefore),
                Convergence.of(convergence),
                versions.size() * batch / seconds,
                settings.churn());
    }

    private static String nodeId(int node) {
        return "bench-node-" + node;
    }

    private String group(int node) {
        return BenchConfig.group(node % settings.groups());
    }

    /**
     * Waits until every node ACKed its group's versions of {@code types}; each node's last ACK time
     * (nanoTime, taken by the node when the ACK went out, so how often this looks does not change the
     * figures). Only nodes not yet done are looked at again, every 20 ms: a tight loop over 10,000
     * nodes would take a core from the target on these 2-core machines.
     */
    private static List<Long> awaitConverged(
            List<SimulatedDataPlane> planes, ServedVersions versions, List<String> types, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Long[] done = new Long[planes.size()];
        List<Integer> waiting = new ArrayList<>();
        for (int i = 0; i < planes.size(); i++) {
            waiting.add(i);
        }
        while (true) {
            waiting.removeIf(i -> {
                SimulatedDataPlane plane = planes.get(i);
                long last = 0;
                for (String type : types) {
                    OptionalLong at = plane.ackedAt(type, versions.of(plane.nodeGroup(), type));
                    if (at.isEmpty()) {
                        return false;
                    }
                    last = Math.max(last, at.getAsLong());
                }
                done[i] = last;
                return true;
            });
            if (waiting.isEmpty()) {
                return Arrays.asList(done);
            }
            if (System.nanoTime() > deadline) {
                long failed =
                        planes.stream().mapToLong(SimulatedDataPlane::failures).sum();
                throw new IllegalStateException("only " + (planes.size() - waiting.size()) + " of " + planes.size()
                        + " simulated nodes converged on " + types + " within " + timeout
                        + (failed == 0
                                ? ""
                                : "; " + failed
                                        + " streams failed and were retried, one: "
                                        + planes.stream()
                                                .flatMap(p -> p.failure().stream())
                                                .findFirst()
                                                .orElseThrow()));
            }
            Thread.sleep(20);
        }
    }

    /** Seconds from {@code start} until the target holds {@code count} streams. */
    private static double awaitConnected(Target target, int count, Duration timeout, long start) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (target.streams() >= count) {
                return (System.nanoTime() - start) / 1e9;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("fewer than " + count + " data planes reconnected within " + timeout);
    }

    /** Per pushed type, the sum over all nodes of {@code count} (bytes or responses). */
    private static SortedMap<String, Long> totals(
            List<SimulatedDataPlane> planes, ToLongBiFunction<SimulatedDataPlane, String> count) {
        SortedMap<String, Long> out = new TreeMap<>();
        for (String type : PUSHED_TYPES) {
            out.put(
                    type,
                    planes.stream().mapToLong(p -> count.applyAsLong(p, type)).sum());
        }
        return out;
    }

    private static SortedMap<String, Long> minus(SortedMap<String, Long> after, SortedMap<String, Long> before) {
        SortedMap<String, Long> out = new TreeMap<>();
        after.forEach((type, value) -> out.put(type, value - before.getOrDefault(type, 0L)));
        return out;
    }
}
