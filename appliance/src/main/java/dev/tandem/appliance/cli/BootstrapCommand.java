package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateRequests;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.PinnedCaTrust;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.xds.bootstrap.EnvoyBootstrap;
import dev.tandem.xds.bootstrap.GrpcBootstrap;
import dev.tandem.xds.bootstrap.XdsClientTls;
import dev.tandem.xds.bootstrap.XdsPeer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.X509TrustManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bootstrap}: an Envoy or proxyless gRPC bootstrap for a node group. Either from the
 * appliance config (the peers as it lists them; no server needed), or with {@code --join TOKEN} on the
 * data-plane host: the command joins the cluster (a new key, a CSR, the token), writes the client
 * certificate, key and CA into {@code --tls-dir} and the bootstrap from the peers the server names.
 */
@Command(
        name = "bootstrap",
        mixinStandardHelpOptions = true,
        description = "Write an Envoy (or proxyless gRPC) bootstrap for a node group, pointing at every Tandem peer; "
                + "with --join, join the cluster first and write the data plane's certificate files.")
final class BootstrapCommand implements Callable<Integer> {

    enum Format {
        envoy,
        grpc
    }

    @Option(
            names = "--node-group",
            description = "The node group (the data plane's node.cluster); with --join, the token's.")
    String nodeGroup;

    @Option(names = "--node-id", description = "The data plane's node id (default: this host's name).")
    String nodeId;

    @Option(
            names = "--format",
            defaultValue = "envoy",
            description = "envoy (YAML) or grpc (JSON); default ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--region", defaultValue = "", description = "gRPC only: the client's locality region.")
    String region;

    @Option(names = "--zone", defaultValue = "", description = "gRPC only: the client's locality zone.")
    String zone;

    /** The peers come from the appliance config (unless --join asks a server). */
    @Mixin
    ApplianceConfigOption config;

    @Option(
            names = "--tls-dir",
            defaultValue = XdsClientTls.DEFAULT_DIR,
            description = "Where the data plane keeps "
                    + "ca.pem, client.pem and client.key for mTLS to the peers (default: ${DEFAULT-VALUE}).")
    Path tlsDir;

    @Option(
            names = "--join",
            description = "A join token (tandem token create): obtain this data plane's certificate "
                    + "from --server and write it into --tls-dir. A token works once.")
    String joinToken;

    @Option(
            names = "--server",
            description = "With --join: admin API URL of a Tandem peer, e.g. https://tandem-1:9090.")
    String server;

    @Option(names = "--ca-file", description = "With --join: the cluster CA certificate to trust.")
    Path caFile;

    @Option(
            names = "--ca-fingerprint",
            description = "With --join, instead of --ca-file: the cluster CA's SHA-256 "
                    + "fingerprint as tandem token create prints it (SHA256:AB:CD:...).")
    String caFingerprint;

    @Option(
            names = {"-o", "--out"},
            description = "File to write (default: standard output).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String node = nodeId != null ? nodeId : InetAddress.getLocalHost().getHostName();
        List<XdsPeer> peers;
        String group;
        boolean tls;
        if (joinToken != null) {
            AdminCalls.Reply joined = join(node);
            if (joined.exit() != 0) {
                return joined.exit();
            }
            group = joined.json().path("nodeGroup").asText();
            tls = joined.json().path("xdsTls").asBoolean(true);
            peers = new ArrayList<>();
            for (JsonNode p : joined.json().path("peers")) {
                peers.add(new XdsPeer(
                        p.path("name").asText(),
                        p.path("address").asText(),
                        p.path("port").asInt()));
            }
        } else {
            if (nodeGroup == null) {
                return usage("--node-group is required (or --join, whose token names the group)");
            }
            Optional<ApplianceConfig> loaded = config.load();
            if (loaded.isEmpty()) {
                return TandemCommand.FAILED;
            }
            group = nodeGroup;
            peers = loaded.get().xdsPeers();
            tls = !loaded.get().xdsInsecure();
        }
        Optional<XdsClientTls> files = tls ? Optional.of(XdsClientTls.in(tlsDir.toAbsolutePath())) : Optional.empty();
        String text = switch (format) {
            case envoy -> EnvoyBootstrap.toYaml(EnvoyBootstrap.build(node, group, peers, files));
            case grpc -> GrpcBootstrap.json(node, group, region, zone, peers, files);
        };
        if (out == null) {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
        } else {
            Files.writeString(out, text);
        }
        return 0;
    }

    /** Joins with the token; the answer, or the exit code after saying why not. */
    private AdminCalls.Reply join(String node) throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (server == null || (caFile == null) == (caFingerprint == null)) {
            return AdminCalls.Reply.failed(usage("--join needs --server and one of --ca-file or --ca-fingerprint"));
        }
        X509TrustManager trust;
        try {
            trust = caFile != null
                    ? CertificateTrust.pkixTrusting(PemFiles.readCertificate(caFile))
                    : new PinnedCaTrust(caFingerprint);
        } catch (IOException e) {
            err.println("tandem bootstrap: cannot read the CA certificate " + caFile + ": " + e.getMessage());
            err.flush();
            return AdminCalls.Reply.failed(TandemCommand.FAILED);
        }
        KeyPair key = CertificateAuthority.newKeyPair();
        AdminClient client = new AdminClient(server, Optional.empty(), TlsContexts.context(null, trust));
        AdminCalls.Reply reply = AdminCalls.through(client, spec)
                .post("api/v1/join", Map.of("token", joinToken, "csr", CertificateRequests.pem(node, key)), 201);
        if (reply.exit() != 0) {
            return reply;
        }
        String group = reply.json().path("nodeGroup").asText();
        if (nodeGroup != null && !nodeGroup.equals(group)) {
            err.println("tandem bootstrap: the join token is for node group '" + group + "', not '" + nodeGroup
                    + "'; the certificate was issued for '" + group + "' and written to " + tlsDir);
        }
        CertificateFiles.replace(
                tlsDir,
                reply.json().path("certificate").asText(),
                key.getPrivate(),
                reply.json().path("caBundle").asText());
        err.println("tandem bootstrap: joined as "
                + reply.json().path("identity").asText() + " (certificate valid until "
                + reply.json().path("expiresAt").asText() + "; renew with tandem cert renew), files in " + tlsDir);
        err.flush();
        return reply;
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("tandem bootstrap: " + message);
        spec.commandLine().getErr().flush();
        return 2;
    }
}
