package dev.tandem.appliance.peers;

import dev.tandem.peers.Condition;
import dev.tandem.peers.WriteAnswer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The start-up check of the lease store's conditional writes, with automatic failover on (ADR 0014
 * §5.6): a store that ignores {@code If-None-Match} (ClickHouse#112437 lost an acknowledged commit
 * so), accepts a stale {@code If-Match}, or accepts {@code If-Match} on a missing key
 * (minio/minio#21526) would let two peers take the lease. On probe objects only, never the lease.
 */
final class LeaseProbe {
    /** @param ok the store refuses every stale condition @param detail what failed, for the log and the status */
    /** @param reachable whether the store answered every request of the probe */
    record Outcome(boolean ok, boolean reachable, String detail) {}

    private static final SecureRandom RANDOM = new SecureRandom();

    private LeaseProbe() {}

    static Outcome run(S3Lease store, String node) {
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        String key = "_peers/probe/" + node + "-" + HexFormat.of().formatHex(nonce);
        String absent = key + "-absent";
        try {
            WriteAnswer first = store.put(key, bytes("v1"), new Condition.Absent());
            if (!(first instanceof WriteAnswer.Written written)) {
                return unreachableOr(first, "PUT " + key + " with If-None-Match: *");
            }
            String v1 = written.etag();
            if (!v1.equals(store.etagOf(key))) {
                return refusal("a read right after a write did not return its version", key, store);
            }
            WriteAnswer again = store.put(key, bytes("v1'"), new Condition.Absent());
            if (!(again instanceof WriteAnswer.Refused)) {
                return refusal("a second PUT with If-None-Match: * (" + again + ")", key, store);
            }
            WriteAnswer second = store.put(key, bytes("v2"), new Condition.Matches(v1));
            if (!(second instanceof WriteAnswer.Written)) {
                return unreachableOr(second, "PUT " + key + " with If-Match on its current version");
            }
            WriteAnswer stale = store.put(key, bytes("v3"), new Condition.Matches(v1));
            if (!(stale instanceof WriteAnswer.Refused refused) || refused.status() != 412) {
                return refusal("a PUT with a stale If-Match (" + stale + ")", key, store);
            }
            WriteAnswer missing = store.put(absent, bytes("v4"), new Condition.Matches(v1));
            if (!(missing instanceof WriteAnswer.Refused) || store.etagOf(absent) != null) {
                return refusal("a PUT with If-Match on a missing key (" + missing + ")", absent, store);
            }
            return new Outcome(
                    true, true, "the lease store at " + store.describe() + " refuses stale conditional writes");
        } finally {
            store.delete(key);
            store.delete(absent);
        }
    }

    private static Outcome unreachableOr(WriteAnswer answer, String request) {
        return new Outcome(
                false,
                false,
                "the lease store could not be probed (" + request + ": " + answer
                        + "); automatic failover stays off until it can, retried in 2 s");
    }

    private static Outcome refusal(String accepted, String key, S3Lease store) {
        return new Outcome(
                false,
                true,
                "automatic failover is off: the lease store at " + store.describe() + " accepted " + accepted
                        + " on " + key
                        + "; it must refuse it with 412. Conditional writes are what keep two peers from writing at once."
                        + " switch-active and promote still work.");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
