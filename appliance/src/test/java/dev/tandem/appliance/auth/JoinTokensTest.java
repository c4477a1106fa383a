package dev.tandem.appliance.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.appliance.pki.CertificateAuthority;
import dev.tandem.appliance.pki.DataPlaneIdentity;
import dev.tandem.appliance.store.Database;
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

    private static final CertificateAuthority CA = CertificateAuthority.create("test", Duration.ofDays(1), Instant.now());
    private static final KeyPair KEY = CertificateAuthority.newKeyPair();

    private Database database;
    private JoinTokens tokens;
    private IssuedCertificates issued;
    private final Instant now = Instant.now();

    @BeforeEach
    void open(@TempDir Path dir) throws Exception {
        database = Database.open(dir);
        tokens = new JoinTokens(database);
        issued = new IssuedCertificates(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aUseWhoseCertificateFailsIsNotCounted() throws Exception {
        String token = tokens.create("edge", 1, now.plus(Duration.ofHours(1)), "test", now);

        assertThatThrownBy(() -> tokens.redeem(token, "edge-1", now, group -> {
            throw new IllegalStateException("the CA key is unreadable");
        })).hasMessage("the CA key is unreadable");
        assertThat(issued.list()).isEmpty();

        JoinTokens.Redeemed redeemed = tokens.redeem(token, "edge-1", now, group -> sign(group, "edge-1"));
        assertThat(redeemed.use()).isEqualTo(1);
        assertThat(issued.list()).extracting(IssuedCertificates.Issued::serial)
                .containsExactly(DataPlaneIdentity.serial(redeemed.certificate()));
    }

    @Test
    void aUseThatCannotBeRecordedIsNotCounted() throws Exception {
        String token = tokens.create("edge", 2, now.plus(Duration.ofHours(1)), "test", now);
        X509Certificate first = tokens.redeem(token, "edge-1", now, group -> sign(group, "edge-1")).certificate();

        // A certificate whose serial is taken cannot be recorded: the use it was for is rolled back.
        assertThatThrownBy(() -> tokens.redeem(token, "edge-2", now, group -> first)).isInstanceOf(SQLException.class);
        assertThat(issued.list()).hasSize(1);
        assertThat(tokens.redeem(token, "edge-2", now, group -> sign(group, "edge-2")).use()).isEqualTo(2);
    }

    private static X509Certificate sign(String group, String nodeId) {
        return CA.issue(KEY.getPublic(), nodeId, List.of(new GeneralName(GeneralName.uniformResourceIdentifier,
                new DataPlaneIdentity("tandem", group, nodeId).uri())), Duration.ofHours(1), Instant.now(), false, true);
    }
}
