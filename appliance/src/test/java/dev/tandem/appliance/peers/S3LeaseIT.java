package dev.tandem.appliance.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.fallback.S3Store;
import dev.tandem.fallback.testing.S3Server;
import dev.tandem.peers.Condition;
import dev.tandem.peers.Lease;
import dev.tandem.peers.LeaseAnswer;
import dev.tandem.peers.Replication;
import dev.tandem.peers.WriteAnswer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lease's conditional reads and writes against a real S3 server (s3proxy), and the start-up probe (ADR 0014 §5). */
class S3LeaseIT {
    private static final KeyPair KEY = CertificateAuthority.newKeyPair();

    @Test
    void createReplaceAndRefuseStaleVersions() throws Exception {
        try (S3Server s3 = S3Server.start();
                S3Lease lease = lease(s3, KEY)) {
            assertThat(lease.read()).isInstanceOf(LeaseAnswer.Missing.class);
            Lease first = lease("tandem-1", 1, 0);
            WriteAnswer created = lease.write(first, new Condition.Absent());
            assertThat(created).isInstanceOf(WriteAnswer.Written.class);
            String v1 = ((WriteAnswer.Written) created).etag();
            assertThat(v1).startsWith("\"").endsWith("\"");
            assertThat(lease.read()).isEqualTo(new LeaseAnswer.Found(v1, first));

            assertThat(lease.write(lease("tandem-2", 1, 0), new Condition.Absent()))
                    .isEqualTo(new WriteAnswer.Refused(412));
            WriteAnswer renewed = lease.write(lease("tandem-1", 1, 1), new Condition.Matches(v1));
            assertThat(renewed).isInstanceOf(WriteAnswer.Written.class);
            assertThat(((WriteAnswer.Written) renewed).etag()).isNotEqualTo(v1);
            assertThat(lease.write(lease("tandem-2", 2, 0), new Condition.Matches(v1)))
                    .isEqualTo(new WriteAnswer.Refused(412));
            assertThat(((LeaseAnswer.Found) lease.read()).lease().renewal()).isEqualTo(1);
        }
    }

    @Test
    void aLeaseNotSignedByThisClusterIsUnverifiable() throws Exception {
        try (S3Server s3 = S3Server.start();
                S3Lease ours = lease(s3, KEY);
                S3Lease theirs = lease(s3, CertificateAuthority.newKeyPair());
                S3Store raw = new S3Store(s3.location("prod"), S3Server.CREDENTIALS)) {
            theirs.write(lease("intruder", 99, 0), new Condition.Absent());
            assertThat(ours.read())
                    .isInstanceOfSatisfying(
                            LeaseAnswer.Unverifiable.class,
                            answer -> assertThat(answer.detail()).contains("_peers/lease.json"));
            raw.replaceIf(
                    S3Lease.KEY,
                    "{\"format\": \"tandem-lease/v1\"".getBytes(StandardCharsets.UTF_8),
                    raw.read(S3Lease.KEY).map(S3Store.StoredObject::etag));
            assertThat(ours.read()).isInstanceOf(LeaseAnswer.Unverifiable.class);
        }
    }

    @Test
    void aStoreThatRefusesConnectionsIsUnreachableAndAWriteDidNotLand() throws Exception {
        try (S3Server s3 = S3Server.start();
                S3Lease lease = lease(s3, KEY)) {
            s3.pause();
            assertThat(lease.read()).isInstanceOf(LeaseAnswer.Unreachable.class);
            assertThat(lease.write(lease("tandem-1", 1, 0), new Condition.Absent()))
                    .isInstanceOf(WriteAnswer.Unreachable.class);
        }
    }

    @Test
    void s3proxyPassesTheProbeOfConditionalWrites() throws Exception {
        try (S3Server s3 = S3Server.start();
                S3Lease lease = lease(s3, KEY)) {
            LeaseProbe.Outcome outcome = LeaseProbe.run(lease, "tandem-1");
            assertThat(outcome.ok()).as(outcome.detail()).isTrue();
            assertThat(outcome.reachable()).isTrue();
            s3.pause();
            LeaseProbe.Outcome down = LeaseProbe.run(lease, "tandem-1");
            assertThat(down.ok()).isFalse();
            // A store that does not answer is tried again soon; only one that answers wrongly is a verdict.
            assertThat(down.reachable()).isFalse();
            assertThat(down.detail()).contains("could not be probed").contains("retried in 2 s");
        }
    }

    private static S3Lease lease(S3Server s3, KeyPair key) {
        return new S3Lease(s3.location("prod"), S3Server.CREDENTIALS, key, KEY.getPublic(), Duration.ofSeconds(2));
    }

    private static Lease lease(String holder, long epoch, long renewal) {
        return new Lease(
                "edge",
                holder,
                epoch,
                renewal,
                Duration.ofSeconds(8).toNanos(),
                Duration.ofSeconds(2).toNanos(),
                "tandem-2",
                Replication.SYNC,
                false,
                List.of("tandem-1", "tandem-2"),
                42,
                holder + "-" + renewal,
                holder);
    }
}
