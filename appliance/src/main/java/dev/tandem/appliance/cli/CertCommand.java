package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateRequests;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.xds.bootstrap.XdsClientTls;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem cert list|revoke|renew}: data-plane client certificates after join. */
@Command(name = "cert", mixinStandardHelpOptions = true, description = "Data-plane client certificates.",
        subcommands = {CertCommand.ListCertificates.class, CertCommand.Revoke.class, CertCommand.Renew.class})
final class CertCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the certificates the cluster CA issued.")
    static final class ListCertificates implements Callable<Integer> {

        @Mixin
        ServerOption server;

        @Mixin
        OutputOption output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TokenRequests.Reply reply = TokenRequests.call(server, spec, "GET", "api/v1/certificates", null, 200);
            if (reply.exit() != 0) {
                return reply.exit();
            }
            output.print(spec.commandLine().getOut(), reply.json(), () -> text(reply.json(), Instant.now()));
            return 0;
        }

        /** One row per certificate, its state as of {@code now}. */
        static String text(JsonNode answer, Instant now) {
            Table table = new Table("SERIAL", "STATE", "EXPIRES", "IDENTITY");
            for (JsonNode c : answer.path("certificates")) {
                String state = c.hasNonNull("revokedAt") ? "revoked"
                        : Instant.parse(c.path("expiresAt").asText()).isBefore(now) ? "expired" : "valid";
                table.row(c.path("serial").asText(), state, Table.time(c.path("expiresAt")), c.path("identity").asText());
            }
            return table.isEmpty() ? "no certificates issued\n" : table.toString();
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Put a certificate on the deny list: the xDS server refuses it and ends its streams at once.")
    static final class Revoke implements Callable<Integer> {

        @Parameters(index = "0", description = "The serial (hex, as tandem cert list shows it).")
        String serial;

        @Option(names = "--reason", description = "Why, for the audit log.")
        String reason;

        @Mixin
        ServerOption server;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String path = "api/v1/certificates/" + java.net.URLEncoder.encode(serial, java.nio.charset.StandardCharsets.UTF_8)
                    + "/revoke";
            TokenRequests.Reply reply = TokenRequests.call(server, spec, "POST", path, Map.of("reason", reason == null ? "" : reason), 200);
            if (reply.exit() != 0) {
                return reply.exit();
            }
            spec.commandLine().getOut().println("revoked " + reply.json().path("serial").asText() + " ("
                    + reply.json().path("identity").asText() + ") at " + reply.json().path("revokedAt").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "renew", mixinStandardHelpOptions = true,
            description = "Renew this data plane's certificate before it expires: a new key, the same identity. Run it "
                    + "on the data-plane host, e.g. daily from a timer; Envoy picks up the new files by itself.")
    static final class Renew implements Callable<Integer> {

        @Option(names = "--tls-dir", defaultValue = XdsClientTls.DEFAULT_DIR,
                description = "Where ca.pem, client.pem and client.key are (default: ${DEFAULT-VALUE}); replaced in place.")
        Path tlsDir;

        @Option(names = "--server", required = true, description = "Admin API URL of a Tandem peer, e.g. https://tandem-1:9090.")
        String server;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            var err = spec.commandLine().getErr();
            XdsClientTls files = XdsClientTls.in(tlsDir);
            X509Certificate current;
            X509Certificate ca;
            java.security.PrivateKey currentKey;
            try {
                current = PemFiles.readCertificate(Path.of(files.certificateFile()));
                currentKey = PemFiles.readPrivateKey(Path.of(files.privateKeyFile()));
                ca = PemFiles.readCertificate(Path.of(files.caFile()));
            } catch (java.io.IOException e) {
                err.println("tandem cert renew: " + e.getMessage());
                err.flush();
                return TandemCommand.FAILED;
            }
            if (!Instant.now().isBefore(current.getNotAfter().toInstant())) {
                err.println("tandem cert renew: the certificate in " + files.certificateFile() + " expired at "
                        + current.getNotAfter().toInstant() + "; an expired certificate cannot renew itself: join again "
                        + "with a new token (tandem bootstrap --join)");
                err.flush();
                return TandemCommand.REFUSED;
            }
            Optional<DataPlaneIdentity> identity = DataPlaneIdentity.of(current);
            if (identity.isEmpty()) {
                err.println("tandem cert renew: " + files.certificateFile() + " is not a Tandem data-plane certificate "
                        + "(no spiffe://<cluster>/group/<group>/node/<id> URI)");
                err.flush();
                return TandemCommand.FAILED;
            }
            String nodeId = identity.get().nodeId();
            KeyPair next = CertificateAuthority.newKeyPair();
            AdminClient client = new AdminClient(server, Optional.empty(), TlsContexts.context(
                    TlsContexts.keyManager(currentKey, current), CertificateTrust.pkixTrusting(ca)));
            TokenRequests.Reply reply = TokenRequests.post(client, spec, "api/v1/certificates/renew",
                    Map.of("csr", CertificateRequests.pem(nodeId, next)), 201);
            if (reply.exit() != 0) {
                return reply.exit();
            }
            CertificateFiles.replace(tlsDir, reply.json().path("certificate").asText(), next.getPrivate(),
                    reply.json().path("caBundle").asText());
            spec.commandLine().getOut().println("renewed " + reply.json().path("identity").asText() + ": serial "
                    + reply.json().path("serial").asText() + " (was " + DataPlaneIdentity.serial(current) + "), valid until "
                    + reply.json().path("expiresAt").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    private CertCommand() {
    }
}
