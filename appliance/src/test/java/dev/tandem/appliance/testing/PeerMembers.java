package dev.tandem.appliance.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private PeerMembers(int[] ports) {
        this.ports = ports;
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

    /**
     * Writes member {@code n}'s config to {@code file}: sync replication, data in {@code dataDir}
     * (relative to the file), then {@code extra} (more top-level YAML, or empty).
     */
    public Path write(Path file, int n, String dataDir, String extra) throws IOException {
        int own = PORTS_PER_MEMBER * (n - 1);
        StringJoiner members = new StringJoiner("\n");
        for (int m = 1; m <= ports.length / PORTS_PER_MEMBER; m++) {
            int base = PORTS_PER_MEMBER * (m - 1);
            members.add(
                    "    - {name: %s, admin: \"https://127.0.0.1:%d\", xds: \"127.0.0.1:%d\", link: \"127.0.0.1:%d\"}"
                            .formatted(name(m), ports[base], ports[base + 1], ports[base + 2]));
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
