package dev.tandem.appliance.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code tandem bench}: N simulated Envoys (each its own node id and mTLS connection, ACKing every
 * response) against an appliance in its own process, then config changes through the admin API at a
 * fixed interval. For each change: convergence (from the apply request to every simulated node
 * having ACKed the new versions; the apply answers once the snapshots are set, and nodes are often
 * served before that answer arrives) and the bytes pushed per type; then the target's heap, RSS and CPU.
 * It reports figures; it asserts nothing about time (machines are noisy).
 */
public final class Bench {

    /** What to run. */
    /**
     * @param churn         endpoint changes per second in the churn phase (0: no churn phase)
     * @param churnBatch    endpoints moved per apply in the churn phase (applies per second = churn / batch)
     * @param churnDuration how long the churn phase lasts
     */
    public record Settings(int clients, int groups, int clusters, Protocol protocol, int changes,
                           Duration interval, String heap, Path workdir, boolean baseline, Path profile,
                           int churn, int churnBatch, Duration churnDuration) {
    }

    /** One change: what it was, per-node convergence, bytes pushed per type (all nodes). */
    record ChangeResult(String kind, long revision, double applyMillis, List<Double> convergenceMillis, Map<String, Long> bytesByType,
                        Map<String, Long> responsesByType) {
    }

    /** The cluster name of the target's identities (the default; the bench configures none). */
    private static final String CLUSTER = "tandem";

    private final Settings settings;
    private final PrintWriter out;

    /** {@code sotw} or {@code delta}. */
    public static Protocol protocol(String name) {
        return Protocol.valueOf(name);
    }

    /** The ADS variant the simulated Envoys speak. */
    public enum Protocol { sotw, delta }

    public Bench(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Runs the scenario against Tandem and, with {@code baseline}, then against the bare
     * java-control-plane baseline; returns the report as JSON-ready data (also printed).
     */
    public Map<String, Object> run() throws Exception {
        Map<String, Object> report = new TreeMap<>();
        Map<String, Object> tandem;
        try (BenchTarget target = BenchTarget.start(java.nio.file.Files.createDirectories(settings.workdir().resolve("tandem")),
                settings.heap(), settings.profile())) {
            tandem = runAgainst(target);
        }
        report.put("tandem", tandem);
        if (settings.baseline()) {
            Map<String, Object> baseline;
            try (BaselineTarget target = BaselineTarget.start(settings.workdir().resolve("baseline"), settings.heap(), settings.profile())) {
                baseline = runAgainst(target);
            }
            report.put("baseline", baseline);
            report.put("ratios", ratios(tandem, baseline));
            out.println();
            out.println("Tandem / baseline (one run, same machine; only these ratios compare): " + report.get("ratios"));
            out.flush();
        }
        return report;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> ratios(Map<String, Object> tandem, Map<String, Object> baseline) {
        Map<String, Object> out = new TreeMap<>();
        Map<String, Object> t = (Map<String, Object>) tandem.get("convergenceMillis");
        Map<String, Object> b = (Map<String, Object>) baseline.get("convergenceMillis");
        for (String p : List.of("p50", "p95", "p99", "max")) {
            out.put("convergence " + p, ratio(t.get(p), b.get(p)));
        }
        Map<String, Object> tt = (Map<String, Object>) tandem.get("target");
        Map<String, Object> bt = (Map<String, Object>) baseline.get("target");
        for (String k : List.of("heapUsedBytes", "heapLiveBytes", "rssBytes", "cpuSeconds")) {
            out.put(k, ratio(tt.get(k), bt.get(k)));
        }
        out.put("reconnect storm seconds", ratio(((Map<String, Object>) tandem.get("reconnectStorm")).get("allConnectedSeconds"),
                ((Map<String, Object>) baseline.get("reconnectStorm")).get("allConnectedSeconds")));
        return out;
    }

    private static String ratio(Object a, Object b) {
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        return y == 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f", x / y);
    }

    private Map<String, Object> runAgainst(Target target) throws Exception {
        BenchConfig config = new BenchConfig(settings.groups(), settings.clusters());
        List<SimulatedDataPlane> planes = new ArrayList<>();
        List<ChangeResult> results = new ArrayList<>();
        Map<String, Object> report = new TreeMap<>();
        List<ManagedChannel> channels = new ArrayList<>();
        out.println("== " + target.name());
        try {
            target.apply(config.yaml(0, 0));
            BenchIdentities identities = BenchIdentities.issue(target.pkiDir(), CLUSTER, settings.clients(), Bench::nodeId, this::group);
            out.printf("%d client certificates issued (one per simulated node) in %.0f ms%n", settings.clients(), identities.issueMillis());
            report.put("certificatesIssuedMillis", identities.issueMillis());
            long connectStart = System.nanoTime();
            for (int i = 0; i < settings.clients(); i++) {
                ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", target.xdsPort(), identities.credentials(i)).build();
                channels.add(channel);
                planes.add(new SimulatedDataPlane(channel, nodeId(i), group(i), settings.protocol()));
            }
            Map<String, Map<String, String>> versions = target.versions();
            awaitConverged(planes, versions, versions.keySet().isEmpty() ? List.of() : List.of("listeners", "routes", "clusters", "endpoints"),
                    Duration.ofMinutes(5));
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            out.printf("%d simulated Envoys (%s) in %d node groups, %d clusters each: all served in %.2f s%n", settings.clients(),
                    settings.protocol(), settings.groups(), settings.clusters(), connectSeconds);
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
                Map<String, Long> bytesBefore = totals(planes, true);
                Map<String, Long> countBefore = totals(planes, false);
                // From the apply request (not its answer: data planes are often served before the answer arrives).
                long appliedAt = System.nanoTime();
                target.apply(yaml);
                double applyMillis = (System.nanoTime() - appliedAt) / 1e6;
                long revision = k + 1;
                Map<String, Map<String, String>> next = target.versions();
                List<String> changed = changedTypes(versions, next);
                List<Double> convergence = awaitConverged(planes, next, changed, Duration.ofMinutes(2)).stream()
                        .map(t -> (t - appliedAt) / 1e6).toList();
                // Let stray pushes (there should be none) arrive before counting bytes.
                Thread.sleep(200);
                results.add(new ChangeResult(eds ? "endpoint" : "route", revision, applyMillis, convergence, minus(totals(planes, true), bytesBefore),
                        minus(totals(planes, false), countBefore)));
                versions = next;
                Thread.sleep(Math.max(0, settings.interval().toMillis() - (System.nanoTime() - appliedAt) / 1_000_000));
            }

            if (settings.churn() > 0) {
                report.put("churn", churn(target, config, planes, timeoutStep));
            }

            // An identical re-apply changes nothing and pushes nothing.
            Map<String, Long> before = totals(planes, true);
            target.apply(settings.churn() > 0 ? config.churned(churnSteps, settings.churnBatch(), timeoutStep)
                    : config.yaml(endpointShift, timeoutStep));
            Thread.sleep(500);
            Map<String, Long> reapplied = minus(totals(planes, true), before);

            // Reconnect storm: every node loses its stream at once and reconnects, saying what it has.
            Map<String, Long> beforeStorm = totals(planes, true);
            Map<String, Long> countBeforeStorm = totals(planes, false);
            List<ManagedChannel> fresh = new ArrayList<>();
            long stormStart = System.nanoTime();
            for (int i = 0; i < planes.size(); i++) {
                ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", target.xdsPort(), identities.credentials(i)).build();
                fresh.add(channel);
                planes.get(i).reconnect(channel);
            }
            channels.forEach(ManagedChannel::shutdownNow);
            channels.clear();
            channels.addAll(fresh);
            double stormSeconds = awaitConnected(target, planes.size(), Duration.ofMinutes(5), stormStart);
            Thread.sleep(1000);
            report.put("reconnectStorm", Map.of("allConnectedSeconds", stormSeconds,
                    "bytesResentUnchanged", minus(totals(planes, true), beforeStorm),
                    "responsesResentUnchanged", minus(totals(planes, false), countBeforeStorm)));

            long[] rssCpu = target.rssBytesAndCpuMillis();
            double heap = target.heapUsedBytes();
            long liveHeap = target.liveHeapBytes();
            report.put("settings", Map.of("clients", settings.clients(), "groups", settings.groups(), "clusters", settings.clusters(),
                    "protocol", settings.protocol().name(), "changes", settings.changes(), "intervalMillis", settings.interval().toMillis()));
            report.put("initialServeSeconds", connectSeconds);
            report.put("changes", results.stream().map(Bench::json).toList());
            List<Double> all = results.stream().flatMap(r -> r.convergenceMillis().stream()).sorted().toList();
            report.put("convergenceMillis", Map.of("p50", percentile(all, 50), "p95", percentile(all, 95), "p99", percentile(all, 99),
                    "max", all.isEmpty() ? 0 : all.get(all.size() - 1)));
            report.put("identicalReapply", Map.of("bytes", reapplied));
            report.put("target", Map.of("heapUsedBytes", heap, "heapLiveBytes", liveHeap, "rssBytes", rssCpu[0],
                    "cpuSeconds", rssCpu[1] / 1000.0));
            report.put("failedStreams", planes.stream().mapToLong(SimulatedDataPlane::failures).sum());
            print(report, results);
        } finally {
            planes.forEach(SimulatedDataPlane::close);
            channels.forEach(ManagedChannel::shutdownNow);
        }
        return report;
    }

    private long churnSteps;

    /**
     * Endpoint churn: {@code churn} endpoint changes per second for {@code churnDuration}, in applies of
     * {@code churnBatch} moves each, issued on a fixed schedule (an apply that is late delays the next;
     * the achieved rate is reported). A node that is sent a later version before it ACKs an earlier one
     * has converged on the earlier one when it ACKs the later (state of the world sends only the latest).
     */
    private Map<String, Object> churn(Target target, BenchConfig config, List<SimulatedDataPlane> planes, int timeoutStep)
            throws Exception {
        int batch = settings.churnBatch();
        long period = (long) (1e9 * batch / settings.churn());
        Map<String, Long> bytesBefore = totals(planes, true);
        List<Long> appliedAt = new ArrayList<>();
        List<Double> applyMillis = new ArrayList<>();
        List<Map<String, Map<String, String>>> versions = new ArrayList<>();
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
        awaitConverged(planes, versions.get(versions.size() - 1), List.of("endpoints"), Duration.ofMinutes(2));
        Thread.sleep(200);
        List<Double> convergence = new ArrayList<>();
        for (SimulatedDataPlane plane : planes) {
            long earliest = Long.MAX_VALUE;
            // Backwards: converged on apply k at the first ACK of k's version or any later one.
            for (int k = versions.size() - 1; k >= 0; k--) {
                Long at = plane.ackedAt("endpoints", versions.get(k).get(plane.nodeGroup()).get("endpoints"));
                if (at != null) {
                    earliest = Math.min(earliest, at);
                }
                if (earliest != Long.MAX_VALUE) {
                    convergence.add((earliest - appliedAt.get(k)) / 1e6);
                }
            }
        }
        List<Double> sorted = convergence.stream().sorted().toList();
        List<Double> applies = applyMillis.stream().sorted().toList();
        Map<String, Object> result = new TreeMap<>();
        result.put("applies", versions.size());
        result.put("endpointChangesPerSecond", versions.size() * batch / seconds);
        result.put("targetEndpointChangesPerSecond", settings.churn());
        result.put("applyMillis", Map.of("p50", percentile(applies, 50), "p99", percentile(applies, 99)));
        result.put("convergenceMillis", Map.of("p50", percentile(sorted, 50), "p95", percentile(sorted, 95), "p99", percentile(sorted, 99),
                "max", sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1)));
        result.put("bytesByType", minus(totals(planes, true), bytesBefore));
        return result;
    }

    private void print(Map<String, Object> report, List<ChangeResult> results) {
        out.println();
        out.printf("%-6s %-9s %9s %10s %10s %10s %10s   %s%n", "change", "kind", "apply ms", "p50 ms", "p99 ms", "max ms", "nodes",
                "bytes pushed per type (all nodes)");
        for (int i = 0; i < results.size(); i++) {
            ChangeResult r = results.get(i);
            List<Double> sorted = r.convergenceMillis().stream().sorted().toList();
            out.printf("%-6d %-9s %9.1f %10.1f %10.1f %10.1f %10d   %s%n", i + 1, r.kind(), r.applyMillis(), percentile(sorted, 50),
                    percentile(sorted, 99),
                    sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1), sorted.size(), r.bytesByType());
        }
        out.println();
        out.println("convergence over all changes (ms): " + report.get("convergenceMillis"));
        if (report.containsKey("churn")) {
            out.println("endpoint churn: " + report.get("churn"));
        }
        out.println("identical re-apply: " + report.get("identicalReapply"));
        out.println("reconnect storm: " + report.get("reconnectStorm"));
        out.println("target: " + report.get("target") + "; failed (and retried) streams: " + report.get("failedStreams"));
        out.flush();
    }

    private static Map<String, Object> json(ChangeResult r) {
        List<Double> sorted = r.convergenceMillis().stream().sorted().toList();
        Map<String, Object> out = new TreeMap<>();
        out.put("kind", r.kind());
        out.put("revision", r.revision());
        out.put("applyMillis", r.applyMillis());
        out.put("p50Millis", percentile(sorted, 50));
        out.put("p99Millis", percentile(sorted, 99));
        out.put("maxMillis", sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
        out.put("bytesByType", r.bytesByType());
        out.put("responsesByType", r.responsesByType());
        return out;
    }

    static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String nodeId(int node) {
        return "bench-node-" + node;
    }

    private String group(int node) {
        return BenchConfig.group(node % settings.groups());
    }

    private static List<String> changedTypes(Map<String, Map<String, String>> before, Map<String, Map<String, String>> after) {
        List<String> changed = new ArrayList<>();
        for (String type : List.of("listeners", "routes", "clusters", "endpoints")) {
            boolean differs = after.keySet().stream().anyMatch(g -> !java.util.Objects.equals(
                    before.getOrDefault(g, Map.of()).get(type), after.get(g).get(type)));
            if (differs) {
                changed.add(type);
            }
        }
        return changed;
    }

    /**
     * Waits until every node ACKed its group's versions of {@code types}; each node's last ACK time
     * (nanoTime, taken by the node when the ACK went out, so how often this looks does not change the
     * figures). Only nodes not yet done are looked at again, every 20 ms: a tight loop over 10,000
     * nodes would take a core from the target on these 2-core machines.
     */
    private static List<Long> awaitConverged(List<SimulatedDataPlane> planes, Map<String, Map<String, String>> versions,
                                             List<String> types, Duration timeout) throws InterruptedException {
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
                    Long at = plane.ackedAt(type, versions.get(plane.nodeGroup()).get(type));
                    if (at == null) {
                        return false;
                    }
                    last = Math.max(last, at);
                }
                done[i] = last;
                return true;
            });
            if (waiting.isEmpty()) {
                return java.util.Arrays.asList(done);
            }
            if (System.nanoTime() > deadline) {
                long failed = planes.stream().mapToLong(SimulatedDataPlane::failures).sum();
                throw new IllegalStateException("only " + (planes.size() - waiting.size()) + " of " + planes.size()
                        + " simulated nodes converged on " + types + " within " + timeout + (failed == 0 ? "" : "; " + failed
                        + " streams failed and were retried, one: " + planes.stream().filter(p -> p.failure() != null)
                        .findFirst().orElseThrow().failure()));
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

    private static Map<String, Long> totals(List<SimulatedDataPlane> planes, boolean bytes) {
        Map<String, Long> out = new TreeMap<>();
        for (String type : List.of("listeners", "routes", "clusters", "endpoints", "secrets")) {
            out.put(type, planes.stream().mapToLong(p -> bytes ? p.bytes(type) : p.responses(type)).sum());
        }
        return out;
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((type, value) -> out.put(type, value - before.getOrDefault(type, 0L)));
        return out;
    }
}
