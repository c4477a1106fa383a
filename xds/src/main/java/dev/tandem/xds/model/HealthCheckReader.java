package dev.tandem.xds.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads an upstream's {@code spec.healthCheck}: its type, the fields of that type, its timing and thresholds. */
final class HealthCheckReader {

    private static final Pattern STATUS_RANGE = Pattern.compile("([1-5][0-9]{2})(?:-([1-5][0-9]{2}))?");
    private static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    private static final Duration MAX_DURATION = Duration.ofHours(1);
    private static final int MIN_THRESHOLD = 1;
    private static final int MAX_THRESHOLD = 100;

    private HealthCheckReader() {}

    static HealthCheck read(YamlFields hc) {
        HealthCheck.Type type = hc.choice("type", HealthCheck.Type.HTTP);
        if (!hc.has("type")) {
            hc.error("type", "is required (HTTP, GRPC or TCP)");
        }
        String path = hc.string("path", "");
        String host = hc.string("host", "");
        List<HealthCheck.StatusRange> statuses = new ArrayList<>();
        List<String> statusTexts = hc.strings("expectedStatuses");
        for (int i = 0; i < statusTexts.size(); i++) {
            Optional<HealthCheck.StatusRange> range = statusRange(statusTexts.get(i));
            if (range.isEmpty()) {
                hc.error(
                        "expectedStatuses[" + i + "]",
                        "'" + statusTexts.get(i)
                                + "' is not a status or range from 100 to 599 (such as \"200\" or \"200-299\")");
            } else {
                statuses.add(range.get());
            }
        }
        String serviceName = hc.string("serviceName", "");
        if (type == HealthCheck.Type.HTTP && path.isEmpty()) {
            hc.error("path", "is required for an HTTP health check");
        } else if (!path.isEmpty() && !path.startsWith("/")) {
            hc.error("path", "'" + path + "' must start with /");
        }
        if (type != HealthCheck.Type.HTTP) {
            for (String httpOnly : List.of("path", "host", "expectedStatuses")) {
                if (hc.has(httpOnly)) {
                    hc.error(httpOnly, "applies to HTTP health checks only");
                }
            }
        }
        if (type != HealthCheck.Type.GRPC && hc.has("serviceName")) {
            hc.error("serviceName", "applies to GRPC health checks only");
        }
        Duration interval = hc.duration("interval", HealthCheck.DEFAULT_INTERVAL, MIN_INTERVAL, MAX_DURATION);
        Duration timeout = hc.duration("timeout", HealthCheck.DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_DURATION);
        Integer healthy = hc.integer("healthyThreshold", MIN_THRESHOLD, MAX_THRESHOLD);
        Integer unhealthy = hc.integer("unhealthyThreshold", MIN_THRESHOLD, MAX_THRESHOLD);
        Duration jitter = hc.duration("jitter", HealthCheck.DEFAULT_JITTER, Duration.ZERO, MAX_DURATION);
        Duration noTraffic = hc.duration("noTrafficInterval", interval, MIN_INTERVAL, MAX_DURATION);
        if (timeout.compareTo(interval) > 0) {
            hc.error(
                    "timeout",
                    Durations.format(timeout) + " is longer than the interval " + Durations.format(interval));
        }
        hc.finish();
        return new HealthCheck(
                type,
                path,
                host,
                statuses.isEmpty() ? HealthCheck.DEFAULT_EXPECTED_STATUSES : statuses,
                serviceName,
                interval,
                timeout,
                healthy == null ? HealthCheck.DEFAULT_HEALTHY_THRESHOLD : healthy,
                unhealthy == null ? HealthCheck.DEFAULT_UNHEALTHY_THRESHOLD : unhealthy,
                jitter,
                noTraffic);
    }

    /** {@code 200} or {@code 200-299}; empty for anything else, a range that runs backwards included. */
    private static Optional<HealthCheck.StatusRange> statusRange(String text) {
        Matcher m = STATUS_RANGE.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        int from = Integer.parseInt(m.group(1));
        int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
        return to < from ? Optional.empty() : Optional.of(new HealthCheck.StatusRange(from, to));
    }
}
