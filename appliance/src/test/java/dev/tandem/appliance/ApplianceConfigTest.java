package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.xds.model.InvalidConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ApplianceConfigTest {

    private static final Path BASE = Path.of("/etc/tandem");

    @Test
    void defaultsForAnEmptyFile() throws Exception {
        ApplianceConfig config = ApplianceConfig.parse("", BASE);
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/tandem"));
        assertThat(config.admin()).isEqualTo(new ApplianceConfig.Endpoint("127.0.0.1", 9090));
        assertThat(config.xds()).isEqualTo(new ApplianceConfig.Endpoint("127.0.0.1", 18000));
        assertThat(config.initialConfig()).isEmpty();
        assertThat(config.nodeId()).isNotBlank();
    }

    @Test
    void relativePathsAreResolvedAgainstTheFile() throws Exception {
        ApplianceConfig config = ApplianceConfig.parse("""
                node: {id: n1}
                dataDir: data
                initialConfig: ../gw/gateway.yaml
                xds: {address: 0.0.0.0, port: 18001}
                """, BASE);
        assertThat(config.nodeId()).isEqualTo("n1");
        assertThat(config.dataDir()).isEqualTo(Path.of("/etc/tandem/data"));
        assertThat(config.initialConfig()).contains(Path.of("/etc/gw/gateway.yaml"));
        assertThat(config.xds()).isEqualTo(new ApplianceConfig.Endpoint("0.0.0.0", 18001));
    }

    @Test
    void everyProblemIsReported() {
        assertThatThrownBy(() -> ApplianceConfig.parse("""
                admin: {port: 99999}
                xds: {prot: 1}
                datadir: x
                """, BASE))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(
                        e -> assertThat(((InvalidConfigException) e).errors())
                                .extracting(Object::toString)
                                .containsExactly(
                                        "appliance config: admin.port 99999 is out of range (0 to 65535)",
                                        "appliance config: xds.prot is not a known field (known: address, insecure, port)",
                                        "appliance config: datadir is not a known field (known: admin, dataDir, export, initialConfig, node, peers, pki, xds)"));
    }

    @Test
    void exportGoesToTheDataFolderByDefaultOrToS3WithoutCredentialsInTheFile() throws Exception {
        ApplianceConfig defaults = ApplianceConfig.parse("dataDir: /var/lib/tandem\n", BASE);
        assertThat(defaults.export().enabled()).isTrue();
        assertThat(defaults.export().folder()).isEqualTo(Path.of("/var/lib/tandem/export"));
        assertThat(defaults.export().s3()).isEmpty();
        ApplianceConfig s3 = ApplianceConfig.parse("""
                export:
                  s3: {endpoint: "https://minio.example:9000", bucket: tandem-exports, prefix: prod, credentialsFile: s3.credentials}
                  keep: 5
                  encryptionKeyFile: export.key
                """, BASE);
        assertThat(s3.export().s3().orElseThrow().credentialsFile()).contains(Path.of("/etc/tandem/s3.credentials"));
        assertThat(s3.export().keep()).isEqualTo(5);
        assertThat(s3.export().encryptionKeyFile()).contains(Path.of("/etc/tandem/export.key"));
        assertThatThrownBy(() -> ApplianceConfig.parse("""
                export:
                  s3: {endpoint: "https://minio.example:9000", bucket: tandem-exports, accessKey: AKIA, secretKey: s3cr3t}
                """, BASE))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("export.s3.accessKey credentials never go in this file");
        assertThatThrownBy(() -> ApplianceConfig.parse("export: {s3: {endpoint: ftp://x, bucket: B}}\n", BASE))
                .hasMessageContaining("is not a valid S3 bucket name");
    }

    @Test
    void malformedYaml() {
        assertThatThrownBy(() -> ApplianceConfig.parse("admin: [", BASE))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("appliance config: is not valid YAML");
    }
}
