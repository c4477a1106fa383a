package dev.tandem.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.fallback.testing.S3Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Two {@code tandem serve} processes joined as an operator joins them, with the lease beside the
 * exports in S3 (s3proxy on 127.0.0.1), sync replication and automatic failover on the short
 * timings of {@link PeerMembers#automaticFailover}: {@code tandem-1} (data in {@code p1/data}) is the
 * active, {@code tandem-2} its sync standby. Admin clients use tandem-1's initial admin token, which
 * replicated.
 */
public final class LeasedPair implements AutoCloseable {

    private final Path dir;
    private final S3Server s3;
    private final Path firstConfig;
    private ServeProcess first;
    private ServeProcess second;

    private LeasedPair(Path dir, S3Server s3, Path firstConfig, ServeProcess first, ServeProcess second) {
        this.dir = dir;
        this.s3 = s3;
        this.firstConfig = firstConfig;
        this.first = first;
        this.second = second;
    }

    /** Starts the pair in {@code dir} and returns once tandem-2 is tandem-1's sync standby. */
    public static LeasedPair start(Path dir, Duration bound) throws Exception {
        S3Server s3 = S3Server.start();
        ServeProcess first = null;
        try {
            Path credentials = PeerMembers.s3Credentials(dir.resolve("s3.credentials"));
            String extra = PeerMembers.automaticFailover(s3.endpoint().getPort(), credentials);
            PeerMembers members = PeerMembers.of(2);
            Path one = members.write(dir.resolve("p1/tandem-1.yaml"), 1, "data", extra);
            Path two = members.write(dir.resolve("p2/tandem-2.yaml"), 2, "data", extra);
            first = ServeProcess.start(dir.resolve("p1"), one, "tandem-1");
            AdminHttp active = AdminHttp.withTokenFrom(first.adminPort(), dir.resolve("p1/data"));
            JsonNode token = active.post("/api/v1/peers/tokens", "{}").json();
            Cli.Result joined = PeerMembers.join(two, active.base(), token);
            assertThat(joined.exit()).as(joined.err()).isZero();
            ServeProcess second = ServeProcess.start(dir.resolve("p2"), two, "tandem-2");
            LeasedPair pair = new LeasedPair(dir, s3, one, first, second);
            PeerMembers.awaitSyncStandby(active, "tandem-2", bound);
            return pair;
        } catch (Exception | AssertionError e) {
            try (S3Server stopS3 = s3;
                    ServeProcess stopFirst = first) {
                throw e;
            }
        }
    }

    public S3Server s3() {
        return s3;
    }

    public ServeProcess first() {
        return first;
    }

    public ServeProcess second() {
        return second;
    }

    /** The cluster CA's certificate (both members have the same CA). */
    public Path caFile() {
        return dir.resolve("p1/data/pki/ca.pem");
    }

    /** tandem-1's admin API. */
    public AdminHttp firstAdmin() {
        return admin(first);
    }

    /** tandem-2's admin API. */
    public AdminHttp secondAdmin() {
        return admin(second);
    }

    /** {@code process}'s admin API (either member's, or a restarted one's). */
    public AdminHttp admin(ServeProcess process) {
        return AdminHttp.withTokenFrom(process.adminPort(), dir.resolve("p1/data"));
    }

    /** Starts tandem-1 again on its data directory (after {@link ServeProcess#kill9()}); its log is {@code name}. */
    public ServeProcess restartFirst(String name) throws IOException, InterruptedException {
        first = ServeProcess.start(dir.resolve("p1"), firstConfig, name);
        return first;
    }

    @Override
    public void close() throws Exception {
        try (S3Server stopS3 = s3;
                ServeProcess stopFirst = first;
                ServeProcess stopSecond = second) {
            if (stopFirst != null) {
                // A paused process cannot die of SIGKILL until it runs again.
                stopFirst.resume();
            }
        }
    }
}
