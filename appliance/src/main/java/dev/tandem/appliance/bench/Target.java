package dev.tandem.appliance.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the bench drives: Tandem ({@link BenchTarget}) or the bare java-control-plane baseline ({@link BaselineTarget}). */
interface Target extends AutoCloseable {

    String name();

    int xdsPort();

    /** Where its PKI is: the bench issues client certificates with its CA. */
    Path pkiDir();

    /** Serves {@code yaml} next; returns when the target took it. */
    void apply(String yaml) throws Exception;

    /** The versions served for the config applied last. */
    ServedVersions versions() throws Exception;

    /** ADS streams the target holds now. */
    int streams() throws Exception;

    double heapUsedBytes() throws Exception;

    /** The process's pid (for {@code jcmd} and /proc). */
    long pid();

    default ProcessUsage usage() throws Exception {
        return ProcessUsage.of(pid());
    }

    /**
     * The live heap: used heap right after a full collection ({@code jcmd PID GC.run}, then
     * {@code GC.heap_info}), what the target needs, unlike the used heap at a random moment, which
     * includes garbage not yet collected.
     *
     * @return -1 when this runtime has no {@code jcmd} (a jlinked one without {@code jdk.jcmd})
     */
    default long liveHeapBytes() throws Exception {
        Path tool =
                Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        if (!Files.isExecutable(tool)) {
            return -1;
        }
        String jcmd = tool.toString();
        run(jcmd, String.valueOf(pid()), "GC.run");
        String info = run(jcmd, String.valueOf(pid()), "GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("jcmd GC.heap_info said nothing about the used heap: " + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Override
    void close() throws InterruptedException;

    /** Stops a target's process: SIGTERM, then SIGKILL after 30 s. */
    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
