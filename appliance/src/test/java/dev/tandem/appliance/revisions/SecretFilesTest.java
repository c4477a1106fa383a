package dev.tandem.appliance.revisions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.model.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilesTest {

    @TempDir
    Path dir;

    private GatewayConfig config(Path cert, Path key) throws Exception {
        return ConfigLoader.load("""
                kind: Gateway
                metadata: {name: edge}
                spec: {nodeGroup: edge, listeners: [{name: https, port: 443, protocol: HTTPS, tls: {certRef: gw}}]}
                ---
                kind: Secret
                metadata: {name: gw}
                spec: {type: CERTIFICATE, certificateFile: %s, privateKeyFile: %s}
                """.formatted(cert, key));
    }

    @Test
    void readsTheFilesIntoTheConfig() throws Exception {
        Path cert = Path.of("src/test/resources/test-gateway.pem").toAbsolutePath();
        Path key = Path.of("src/test/resources/test-gateway.key").toAbsolutePath();
        GatewayConfig resolved = SecretFiles.resolve(config(cert, key));
        assertThat(resolved.secret("gw").orElseThrow().certificatePem()).isEqualTo(Files.readString(cert));
        assertThat(resolved.secret("gw").orElseThrow().privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(resolved.secret("gw").orElseThrow().toString())
                .doesNotContain("BEGIN")
                .contains("(redacted)");
    }

    @Test
    void missingOrWrongFilesAreNamedAndNeverQuoted() throws Exception {
        Path notAKey = dir.resolve("key.pem");
        Files.writeString(notAKey, "TOPSECRET material that is not PEM");
        assertThatThrownBy(() -> SecretFiles.resolve(config(dir.resolve("missing.pem"), notAKey)))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.errors())
                                .extracting(Object::toString)
                                .containsExactly(
                                        "Secret 'gw': spec.certificateFile '" + dir.resolve("missing.pem")
                                                + "' cannot be read on this host: NoSuchFileException",
                                        "Secret 'gw': spec.privateKeyFile '" + notAKey
                                                + "' is not a single PEM private key block (PKCS#8, RSA or EC)"))
                .hasMessageNotContaining("TOPSECRET");
    }

    @Test
    void whatWasReadIsKeptAndAStoredSourceServesItWithoutTheHost() throws Exception {
        Path cert = dir.resolve("gw.pem");
        Path key = dir.resolve("gw.key");
        Files.copy(Path.of("src/test/resources/test-gateway.pem"), cert);
        Files.copy(Path.of("src/test/resources/test-gateway.key"), key);
        GatewayConfig applied = SecretFiles.resolve(config(cert, key));
        SortedMap<String, String> kept = SecretFiles.contents(applied);
        assertThat(kept).containsOnlyKeys(cert.toString(), key.toString());
        assertThat(kept.get(cert.toString())).isEqualTo(Files.readString(cert));

        // The host's files are gone: the stored source still gives the same config.
        Files.delete(cert);
        Files.delete(key);
        assertThat(SecretFiles.resolve(config(cert, key), SecretFiles.stored(kept, 7)))
                .isEqualTo(applied);
        assertThatThrownBy(() -> SecretFiles.resolve(config(cert, key), SecretFiles.stored(Map.of(), 7)))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.errors())
                                .extracting(Object::toString)
                                .contains("Secret 'gw': spec.certificateFile '" + cert
                                        + "' cannot be read from what revision 7 kept: NoSuchFileException"));
    }
}
