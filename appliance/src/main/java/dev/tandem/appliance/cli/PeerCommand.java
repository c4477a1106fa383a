package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.peers.PeerJoin;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.PinnedCaTrust;
import dev.tandem.appliance.pki.TlsContexts;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem peer token create} on the active, then {@code tandem peer join} on the new host
 * (ADR 0014 §8): the new peer receives the cluster CA and the export-signing key over TLS, the CA
 * pinned by its fingerprint, and its first start is a standby's.
 */
@Command(
        name = "peer",
        mixinStandardHelpOptions = true,
        description = "Join a new host to the cluster as a peer.",
        subcommands = {PeerCommand.Token.class, PeerCommand.Join.class})
final class PeerCommand {

    @Command(
            name = "token",
            mixinStandardHelpOptions = true,
            description = "Peer tokens.",
            subcommands = {PeerCommand.CreateToken.class})
    static final class Token {}

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create a one-time token with which a new host joins as a peer (admin role).")
    static final class CreateToken extends AdminCommand {

        @Option(
                names = "--ttl",
                defaultValue = "1h",
                description = "How long the token is valid (default ${DEFAULT-VALUE}; at most 24h).")
        String ttl;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            return admin.createToken(
                    "api/v1/peers/tokens",
                    Map.of("ttl", ttl),
                    (server, fingerprint) -> "on the new peer: tandem peer join --config <its tandem.yaml> --server "
                            + server + " --token <token> --ca-fingerprint " + fingerprint);
        }
    }

    @Command(
            name = "join",
            mixinStandardHelpOptions = true,
            description = "Join this host to the cluster: receive the cluster CA and the export-signing key from the "
                    + "active into this node's empty data directory; then start it with tandem serve.")
    static final class Join implements Callable<Integer> {

        @Mixin
        ApplianceConfigOption config;

        @Option(names = "--server", required = true, description = "The active's admin API URL (https://host:9090).")
        String server;

        @Option(names = "--token", required = true, description = "The peer token tandem peer token create printed.")
        String token;

        @Option(
                names = "--ca-fingerprint",
                required = true,
                description =
                        "The cluster CA's SHA-256 fingerprint as tandem peer token create printed it (SHA256:AB:...).")
        String caFingerprint;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Optional<ApplianceConfig> loaded = config.load();
            if (loaded.isEmpty()) {
                return TandemCommand.FAILED;
            }
            ApplianceConfig appliance = loaded.get();
            if (appliance.peering().isEmpty()) {
                err.println("tandem peer join: " + config.file + " has no peering section; list every member under "
                        + "peering.members first (the same list on every peer)");
                err.flush();
                return TandemCommand.FAILED;
            }
            PinnedCaTrust trust;
            try {
                trust = new PinnedCaTrust(caFingerprint);
            } catch (IllegalArgumentException e) {
                err.println("tandem peer join: " + e.getMessage());
                err.flush();
                return 2;
            }
            AdminClient client = new AdminClient(server, Optional.empty(), TlsContexts.context(null, trust));
            AdminCalls.Reply reply = AdminCalls.through(client, spec)
                    .post("api/v1/peers/join", Map.of("token", token, "name", appliance.nodeId()), 201);
            if (reply.exit() != 0) {
                return reply.exit();
            }
            JsonNode answer = reply.json();
            String cluster = answer.path("cluster").asText();
            if (!cluster.equals(appliance.pki().clusterName())) {
                err.println("tandem peer join: the cluster is '" + cluster + "' but " + config.file
                        + " says pki.clusterName '" + appliance.pki().clusterName()
                        + "'; set the same name on every peer (the token is used: create a new one)");
                err.flush();
                return TandemCommand.FAILED;
            }
            try {
                PeerJoin.install(
                        appliance.dataDir(),
                        new PeerJoin.Material(
                                cluster,
                                appliance.nodeId(),
                                server,
                                PemFiles.certificate(
                                        answer.path("caCertificate").asText(), "the answer's caCertificate"),
                                PemFiles.privateKey(answer.path("caKey").asText(), "the answer's caKey"),
                                PemFiles.privateKey(
                                        answer.path("exportSigningKey").asText(), "the answer's exportSigningKey"),
                                PemFiles.publicKey(
                                        answer.path("exportSigningPublicKey").asText(),
                                        "the answer's exportSigningPublicKey")),
                        Instant.now());
            } catch (IOException e) {
                err.println("tandem peer join: " + e.getMessage());
                err.flush();
                return TandemCommand.FAILED;
            }
            err.println("tandem peer join: joined cluster '" + cluster + "' as '" + appliance.nodeId()
                    + "' (active " + answer.path("active").asText() + ", epoch "
                    + answer.path("epoch").asLong()
                    + "); the cluster CA and export-signing key are in " + appliance.pkiDir()
                    + ". Start it: tandem serve --config " + config.file);
            err.flush();
            return 0;
        }
    }
}
