package dev.tandem.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.fallback.testing.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.StringJoiner;

/**
 * The members of a test's peering, {@code tandem-1} to {@code tandem-N} on 127.0.0.1: each member's
 * admin, xDS and peer-link ports must be known before any member starts (every member's config lists
 * every other's), so they come from {@link Ports#unbound()}. Writes each member's config and joins a
 * member as an operator does ({@code tandem peer join}).
 */
public final class PeerMembers {

    private static final int PORTS_PER_MEMBER = 3;

    private final int[] ports;
    /** The peer-link port the others dial, per member: its own listen port unless {@link #linkVia}. */
    private final int[] dialled;

    private PeerMembers(int[] ports) {
        this.ports = ports;
        this.dialled = new int[ports.length / PORTS_PER_MEMBER];
        for (int m = 0; m < dialled.length; m++) {
            dialled[m] = ports[PORTS_PER_MEMBER * m + 2];
        }
    }

    public static PeerMembers of(int count) {
        int[] ports = new int[PORTS_PER_MEMBER * count];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = Ports.unbound();
        }
        return new PeerMembers(ports);
    }

    public static String name(int n) {
        return "tandem-" + n;
    }

    /** Member {@code n}'s admin API port (members count from 1). */
    public int adminPort(int n) {
        return ports[PORTS_PER_MEMBER * (n - 1)];
    }

    /** The port member {@code n}'s peer link listens on. */
    public int linkPort(int n) {
        return ports[PORTS_PER_MEMBER * (n - 1) + 2];
    }

    /** The others dial member {@code n}'s peer link at {@code port} (a {@link FaultyLink} in front of it). */
    public PeerMembers linkVia(int n, int port) {
        dialled[n - 1] = port;
        return this;
    }

    /**
     * Writes member {@code n}'s config to {@code file}: sync replication, data in {@code dataDir}
     * (relative to the file), then {@code extra}: more YAML, or empty (lines indented by two spaces
     * go on in {@code peering}, then top-level keys).
     */
    public Path write(Path file, int n, String dataDir, String extra) throws IOException {
        int own = PORTS_PER_MEMBER * (n - 1);
        StringJoiner members = new StringJoiner("\n");
        for (int m = 1; m <= ports.length / PORTS_PER_MEMBER; m++) {
            int base = PORTS_PER_MEMBER * (m - 1);
            members.add(
                    "    - {name: %s, admin: \"https://127.0.0.1:%d\", xds: \"127.0.0.1:%d\", link: \"127.0.0.1:%d\"}"
                            .formatted(name(m), ports[base], ports[base + 1], dialled[m - 1]));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(
                file, """
                node: {id: %s}
                dataDir: %s
                admin: {address: 127.0.0.1, port: %d}
                xds: {address: 127.0.0.1, port: %d}
                replication: sync
                peering:
                  listen: 127.0.0.1:%d
                  members:
                %s
                %s""".formatted(name(n), dataDir, ports[own], ports[own + 1], ports[own + 2], members, extra));
        return file;
    }

    /**
     * The {@code extra} of {@link #write} for automatic failover with the lease in S3 at
     * {@code 127.0.0.1:s3Port} (s3proxy, or a {@link FaultyLink} before it), short timings that
     * satisfy the config's relations: ttl 4 s, margin 1 s, renew 1 s, two 500 ms attempts (renew + two
     * budgets = ttl − margin), failover.after 5 s (= ttl + margin: W, the takeover wait, is 5 s).
     */
    public static String automaticFailover(int s3Port, Path credentialsFile) {
        return """
                  lease: {ttl: 4s, safetyMargin: 1s, renewInterval: 1s, s3AttemptTimeout: 500ms}
                failover: {automatic: true, after: 5s}
                export:
                  s3: {endpoint: "http://127.0.0.1:%d", bucket: %s, prefix: prod, region: us-east-1, credentialsFile: "%s"}
                """.formatted(s3Port, S3Server.BUCKET, credentialsFile);
    }

    /** Writes s3proxy's test credentials as a credentials file. */
    public static Path s3Credentials(Path file) throws IOException {
        Files.writeString(
                file,
                "accessKey=" + S3Server.CREDENTIALS.accessKey() + "\nsecretKey=" + S3Server.CREDENTIALS.secretKey()
                        + "\n");
        return file;
    }

    /** Waits until {@code active} names {@code standby} its sync standby. */
    public static void awaitSyncStandby(AdminHttp active, String standby, Duration bound) {
        await().atMost(bound)
                .until(() -> standby.equals(
                        active.get("/api/v1/peers").json().path("syncStandby").asText()));
    }

    /**
     * Waits until {@code rejoined}, a killed active started again, follows the active of {@code epoch}
     * as a standby and serves {@code newest}, the active's newest revision. A kill -9 under a stream
     * of writes can leave an entry the killed node wrote and sent but the standby never received:
     * restarted, it finds its log diverged, moves the entry aside and installs the active's state
     * (ADR 0014 §3.7, §3.8) before it follows. Either way it then sends writes to the active.
     */
    public static void awaitRejoined(AdminHttp rejoined, long newest, long epoch, Duration bound) {
        await().atMost(bound)
                .until(() -> revision(rejoined) == newest && state(rejoined).equals("following"));
        JsonNode status = rejoined.get("/api/v1/status").json();
        assertThat(status.path("epoch").asLong()).as(status.toString()).isEqualTo(epoch);
        assertThat(rejoined.post("/api/v1/apply", Gateways.edge(9998)).status()).isEqualTo(421);
    }

    /** The revision {@code admin}'s node serves. */
    public static long revision(AdminHttp admin) {
        return admin.get("/api/v1/status").json().path("revision").asLong();
    }

    /** The node's role: standalone, active or standby. */
    public static String role(AdminHttp admin) {
        return admin.get("/api/v1/peers").json().path("role").asText();
    }

    private static String state(AdminHttp admin) {
        return admin.get("/api/v1/peers").json().path("state").asText();
    }

    /**
     * {@code tandem peer join} for the member whose config is {@code config}, from the active at
     * {@code server} with {@code token}, the answer of {@code POST /api/v1/peers/tokens}.
     */
    public static Cli.Result join(Path config, String server, JsonNode token) throws Exception {
        return Cli.run(
                "peer",
                "join",
                "--config",
                config.toString(),
                "--server",
                server,
                "--token",
                token.path("token").asText(),
                "--ca-fingerprint",
                token.path("caFingerprint").asText());
    }
}
