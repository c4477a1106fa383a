package dev.tandem.appliance.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size and CPU time (user + system) of a process, from /proc. */
record ProcessUsage(long rssBytes, long cpuMillis) {

    static ProcessUsage of(long pid) throws IOException {
        long rss = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                        .filter(l -> l.startsWith("VmRSS:"))
                        .map(l -> l.replaceAll("[^0-9]", ""))
                        .mapToLong(Long::parseLong)
                        .findFirst()
                        .orElse(0)
                * 1024;
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return new ProcessUsage(rss, ticks * 10);
    }
}
