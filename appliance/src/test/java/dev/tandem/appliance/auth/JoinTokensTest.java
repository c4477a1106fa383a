package dev.tandem.appliance.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.TestLogs;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A use of a join token and the certificate it buys are committed together, or not at all. */
class JoinTokensTest {

    private static final CertificateAuthority CA =
            CertificateAuthority.create("test", Duration.ofDays(1), Instant.now());
    private static final KeyPair KEY = CertificateAuthority.newKeyPair();

    private Database database;
    private JoinTokens tokens;
    private IssuedCertificates issued;
    private final Instant now = Instant.now();

    @BeforeEach
    void open(@TempDir Path dir) throws Exception {
        database = Database.open(dir);
        tokens = new JoinTokens();
        issued = new IssuedCertificates(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aUseWhoseCertificateFailsIsNotCounted() throws Exception {
        String token =
                TestLogs.write(database, c -> tokens.create(c, "edge", 1, now.plus(Duration.ofHours(1)), "test", now));

        assertThatThrownBy(() -> redeem(token, "edge-1", now, group -> {
                    throw new IllegalStateException("the CA key is unreadable");
                }))
                .hasMessage("the CA key is unreadable");
        assertThat(issued.list()).isEmpty();

        JoinTokens.Redeemed redeemed = redeem(token, "edge-1", now, group -> sign(group, "edge-1"));
        assertThat(redeemed.use()).isEqualTo(1);
        assertThat(issued.list())
                .extracting(IssuedCertificates.Issued::serial)
                .containsExactly(DataPlaneIdentity.serial(redeemed.certificate()));
    }

    @Test
    void aUseThatCannotBeRecordedIsNotCounted() throws Exception {
        String token =
                TestLogs.write(database, c -> tokens.create(c, "edge", 2, now.plus(Duration.ofHours(1)), "test", now));
        X509Certificate first =
                redeem(token, "edge-1", now, group -> sign(group, "edge-1")).certificate();

        // A certificate whose serial is taken cannot be recorded: the use it was for is rolled back.
        assertThatThrownBy(() -> redeem(token, "edge-2", now, group -> first)).isInstanceOf(SQLException.class);
        assertThat(issued.list()).hasSize(1);
        assertThat(redeem(token, "edge-2", now, group -> sign(group, "edge-2")).use())
                .isEqualTo(2);
    }

    @Test
    void aUseWhoseAuditEntryFailsIsNotCounted() throws Exception {
        String token =
                TestLogs.write(database, c -> tokens.create(c, "edge", 1, now.plus(Duration.ofHours(1)), "test", now));
        AuditLog audit = TestLogs.auditLog(database);
        assertThatThrownBy(() -> audit.audited(
                        "join", c -> tokens.redeem(c, token, "edge-1", now, group -> sign(group, "edge-1")), r -> {
                            throw new IllegalStateException("the process dies before the audit entry is written");
                        }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(issued.list()).isEmpty();
        assertThat(redeem(token, "edge-1", now, group -> sign(group, "edge-1")).use())
                .isEqualTo(1);
    }

    /** One use in a transaction of its own, as the join API makes it. */
    private JoinTokens.Redeemed redeem(String token, String nodeId, Instant at, JoinTokens.Signer signer)
            throws Exception {
        return TestLogs.write(database, c -> tokens.redeem(c, token, nodeId, at, signer));
    }

    private static X509Certificate sign(String group, String nodeId) {
        return CA.issue(
                KEY.getPublic(),
                nodeId,
                List.of(new GeneralName(
                        GeneralName.uniformResourceIdentifier, new DataPlaneIdentity("tandem", group, nodeId).uri())),
                Duration.ofHours(1),
                Instant.now(),
                false,
                true);
    }
}
