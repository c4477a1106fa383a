package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.CertificateRequests;
import dev.tandem.appliance.pki.CertificateTrust;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.pki.TlsContexts;
import dev.tandem.xds.bootstrap.XdsClientTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem cert list|revoke|renew}: data-plane client certificates after join. */
@Command(
        name = "cert",
        mixinStandardHelpOptions = true,
        description = "Data-plane client certificates.",
        subcommands = {CertCommand.ListCertificates.class, CertCommand.Revoke.class, CertCommand.Renew.class})
final class CertCommand {

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the certificates the cluster CA issued.")
    static final class ListCertificates extends AdminCommand {

        @Mixin
        OutputOption output;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            return admin.show("api/v1/certificates", output, answer -> text(answer, Instant.now()));
        }

        /** One row per certificate, its state as of {@code now}. */
        static String text(JsonNode answer, Instant now) {
            Table table = new Table("SERIAL", "STATE", "EXPIRES", "IDENTITY");
            for (JsonNode c : answer.path("certificates")) {
                String state = c.hasNonNull("revokedAt")
                        ? "revoked"
                        : Instant.parse(c.path("expiresAt").asText()).isBefore(now) ? "expired" : "valid";
                table.row(
                        c.path("serial").asText(),
                        state,
                        Table.time(c.path("expiresAt")),
                        c.path("identity").asText());
            }
            return table.isEmpty() ? "no certificates issued\n" : table.toString();
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Put a certificate on the deny list: the xDS server refuses it and ends its streams at once.")
    static final class Revoke extends AdminCommand {

        @Parameters(index = "0", description = "The serial (hex, as tandem cert list shows it).")
        String serial;

        @Option(names = "--reason", description = "Why, for the audit log.")
        String reason;

        @Override
        int run(AdminCalls admin) throws InterruptedException {
            String path = "api/v1/certificates/" + URLEncoder.encode(serial, StandardCharsets.UTF_8) + "/revoke";
            return admin.done(
                    admin.post(path, Map.of("reason", reason == null ? "" : reason), 200),
                    answer -> "revoked " + answer.path("serial").asText() + " ("
                            + answer.path("identity").asText() + ") at "
                            + answer.path("revokedAt").asText());
        }
    }

    @Command(
            name = "renew",
            mixinStandardHelpOptions = true,
            description = "Renew this data plane's certificate before it expires: a new key, the same identity. Run it "
                    + "on the data-plane host, e.g. daily from a timer; Envoy picks up the new files by itself.")
    static final class Renew implements Callable<Integer> {

        @Option(
                names = "--tls-dir",
                defaultValue = XdsClientTls.DEFAULT_DIR,
                description =
                        "Where ca.pem, client.pem and client.key are (default: ${DEFAULT-VALUE}); replaced in place.")
        Path tlsDir;

        @Option(
                names = "--server",
                required = true,
                description = "Admin API URL of a Tandem peer, e.g. https://tandem-1:9090.")
        String server;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            XdsClientTls files = XdsClientTls.in(tlsDir);
            X509Certificate current;
            X509Certificate ca;
            PrivateKey currentKey;
            try {
                current = PemFiles.readCertificate(Path.of(files.certificateFile()));
                currentKey = PemFiles.readPrivateKey(Path.of(files.privateKeyFile()));
                ca = PemFiles.readCertificate(Path.of(files.caFile()));
            } catch (IOException e) {
                err.println("tandem cert renew: " + e.getMessage());
                err.flush();
                return TandemCommand.FAILED;
            }
            if (!Instant.now().isBefore(current.getNotAfter().toInstant())) {
                err.println("tandem cert renew: the certificate in " + files.certificateFile() + " expired at "
                        + current.getNotAfter().toInstant()
                        + "; an expired certificate cannot renew itself: join again "
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
            AdminClient client = new AdminClient(
                    server,
                    Optional.empty(),
                    TlsContexts.context(
                            TlsContexts.keyManager(currentKey, current), CertificateTrust.pkixTrusting(ca)));
            AdminCalls.Reply reply = AdminCalls.through(client, spec)
                    .post("api/v1/certificates/renew", Map.of("csr", CertificateRequests.pem(nodeId, next)), 201);
            if (reply.exit() != 0) {
                return reply.exit();
            }
            CertificateFiles.replace(
                    tlsDir,
                    reply.json().path("certificate").asText(),
                    next.getPrivate(),
                    reply.json().path("caBundle").asText());
            spec.commandLine()
                    .getOut()
                    .println("renewed " + reply.json().path("identity").asText() + ": serial "
                            + reply.json().path("serial").asText() + " (was " + DataPlaneIdentity.serial(current)
                            + "), valid until "
                            + reply.json().path("expiresAt").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    private CertCommand() {}
}
