package dev.tandem.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.fallback.testing.S3Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two or more {@code tandem serve} processes joined as an operator joins them, with the lease beside
 * the exports in S3 (s3proxy on 127.0.0.1), sync replication and automatic failover on the short
 * timings of {@link PeerMembers#automaticFailover}: {@code tandem-1} (data in {@code p1/data}) is the
 * active, {@code tandem-2} its sync standby, any further member a standby that has caught up. Admin
 * clients use tandem-1's initial admin token, which replicated.
 */
public final class LeasedCluster implements AutoCloseable {

    private final Path dir;
    private final S3Server s3;
    private final List<Path> configs;
    private final List<ServeProcess> members;

    private LeasedCluster(Path dir, S3Server s3, List<Path> configs, List<ServeProcess> members) {
        this.dir = dir;
        this.s3 = s3;
        this.configs = configs;
        this.members = members;
    }

    /** Starts {@code count} members in {@code dir} (member n in {@code pn/}) and returns once each has joined. */
    public static LeasedCluster start(Path dir, int count, Duration bound) throws Exception {
        S3Server s3 = S3Server.start();
        List<ServeProcess> started = new ArrayList<>();
        try {
            Path credentials = PeerMembers.s3Credentials(dir.resolve("s3.credentials"));
            String extra = PeerMembers.automaticFailover(s3.endpoint().getPort(), credentials);
            PeerMembers members = PeerMembers.of(count);
            List<Path> configs = new ArrayList<>();
            for (int n = 1; n <= count; n++) {
                configs.add(members.write(dir.resolve("p" + n + "/tandem-" + n + ".yaml"), n, "data", extra));
            }
            started.add(ServeProcess.start(dir.resolve("p1"), configs.get(0), "tandem-1"));
            LeasedCluster cluster = new LeasedCluster(dir, s3, configs, started);
            AdminHttp active = cluster.admin(1);
            for (int n = 2; n <= count; n++) {
                JsonNode token = active.post("/api/v1/peers/tokens", "{}").json();
                Cli.Result joined = PeerMembers.join(configs.get(n - 1), active.base(), token);
                assertThat(joined.exit()).as(joined.err()).isZero();
                started.add(ServeProcess.start(dir.resolve("p" + n), configs.get(n - 1), "tandem-" + n));
                if (n == 2) {
                    PeerMembers.awaitSyncStandby(active, "tandem-2", bound);
                }
            }
            return cluster;
        } catch (Exception | AssertionError e) {
            try (S3Server stopS3 = s3) {
                for (ServeProcess process : started) {
                    process.close();
                }
                throw e;
            }
        }
    }

    public S3Server s3() {
        return s3;
    }

    /** Member {@code n}'s process (members count from 1). */
    public ServeProcess member(int n) {
        return members.get(n - 1);
    }

    /** The cluster CA's certificate (every member has the same CA). */
    public Path caFile() {
        return dir.resolve("p1/data/pki/ca.pem");
    }

    /** Member {@code n}'s admin API. */
    public AdminHttp admin(int n) {
        return admin(member(n));
    }

    /** {@code process}'s admin API (a member's, or a restarted one's). */
    public AdminHttp admin(ServeProcess process) {
        return AdminHttp.withTokenFrom(process.adminPort(), dir.resolve("p1/data"));
    }

    /** Starts member {@code n} again on its data directory (after {@link ServeProcess#kill9()}); its log is {@code name}. */
    public ServeProcess restart(int n, String name) throws IOException, InterruptedException {
        members.set(n - 1, ServeProcess.start(dir.resolve("p" + n), configs.get(n - 1), name));
        return members.get(n - 1);
    }

    @Override
    public void close() throws Exception {
        try (S3Server stopS3 = s3) {
            for (ServeProcess process : members) {
                process.close();
            }
        }
    }
}
