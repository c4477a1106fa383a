package dev.tandem.appliance;

import dev.tandem.appliance.pki.CertificateTrust;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused connections and calls on one port: each counted (by reason), each distinct refusal logged
 * at once and then at most once a minute with how often it recurred, so a misconfigured data plane
 * retrying every second is seen without flooding the journal.
 */
final class RefusalLog implements CertificateTrust.Refusals {

    private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);
    private static final Duration QUIET = Duration.ofMinutes(1);
    private static final int MAX_REMEMBERED = 10_000;

    private record Seen(Instant loggedAt, int since) {}

    private final String port;
    private final Consumer<String> counter;
    private final Clock clock;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    RefusalLog(String port, Consumer<String> counter, Clock clock) {
        this.port = port;
        this.counter = counter;
        this.clock = clock;
    }

    @Override
    public void refused(String reason, String detail) {
        counter.accept(reason);
        Instant now = clock.instant();
        String key = reason + "|" + detail;
        if (seen.size() > MAX_REMEMBERED) {
            seen.clear();
        }
        Seen before = seen.get(key);
        if (before == null || !now.isBefore(before.loggedAt().plus(QUIET))) {
            seen.put(key, new Seen(now, 0));
            String again = before == null || before.since() == 0
                    ? ""
                    : " (refused " + before.since() + " more time(s) since " + before.loggedAt() + ")";
            LOG.warn("{}: refused ({}): {}{}", port, reason, detail, again);
        } else {
            seen.put(key, new Seen(before.loggedAt(), before.since() + 1));
        }
    }
}
