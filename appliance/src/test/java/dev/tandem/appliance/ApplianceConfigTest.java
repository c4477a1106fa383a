package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.appliance.peers.GrpcPeerLink;
import dev.tandem.appliance.peers.PeeringSettings;
import dev.tandem.peers.Replication;
import dev.tandem.xds.bootstrap.XdsPeer;
import dev.tandem.xds.model.InvalidConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ApplianceConfigTest {

    private static final Path BASE = Path.of("/etc/tandem");
    private static final String PEERS = """
            node: {id: tandem-1}
            peering:
              listen: 0.0.0.0:18100
              members:
                - {name: tandem-2, admin: "https://10.0.0.2:9090", xds: "10.0.0.2:18000", link: "10.0.0.2:18100"}
                - {name: tandem-1, admin: "https://10.0.0.1:9090", xds: "10.0.0.1:18000", link: "10.0.0.1:18100"}
            """;

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
    void xdsStreamAdmissionHasDefaultsAndBounds() throws Exception {
        assertThat(ApplianceConfig.parse("", BASE).xdsAdmission()).isEqualTo(XdsAdmission.defaults());
        assertThat(ApplianceConfig.parse("xds: {admission: {streamsPerSecond: 50, burst: 80}}", BASE)
                        .xdsAdmission())
                .isEqualTo(new XdsAdmission(50, 80));
        assertThatThrownBy(() ->
                        ApplianceConfig.parse("xds: {admission: {streamsPerSecond: 0, burst: 200000, rate: 3}}", BASE))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(
                        e -> assertThat(((InvalidConfigException) e).errors())
                                .extracting(Object::toString)
                                .containsExactly(
                                        "appliance config: xds.admission.streamsPerSecond 0 is out of range (1 to 10000)",
                                        "appliance config: xds.admission.burst 200000 is out of range (1 to 100000)",
                                        "appliance config: xds.admission.rate is not a known field (known: burst, streamsPerSecond)"));
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
                                        "appliance config: xds.prot is not a known field (known: address, admission, insecure, port)",
                                        "appliance config: datadir is not a known field (known: admin, dataDir, export, failover, initialConfig, node, peering, peers, pki, replication, xds)"));
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

    @Test
    void peeringListsEveryMemberAndFeedsBootstraps() throws Exception {
        ApplianceConfig config = ApplianceConfig.parse(PEERS + "replication: async\n", BASE);
        PeeringSettings peering = config.peering().orElseThrow();
        assertThat(peering.members()).extracting(PeeringSettings.Member::name).containsExactly("tandem-1", "tandem-2");
        assertThat(peering.listen()).isEqualTo(new GrpcPeerLink.Address("0.0.0.0", 18100));
        assertThat(peering.replication()).isEqualTo(Replication.ASYNC);
        assertThat(peering.leaseStore()).isFalse();
        assertThat(peering.timing().problems()).isEmpty();
        assertThat(config.xdsPeers())
                .containsExactly(
                        new XdsPeer("tandem-1", "10.0.0.1", 18000), new XdsPeer("tandem-2", "10.0.0.2", 18000));
        assertThat(ApplianceConfig.parse("", BASE).peering()).isEmpty();
    }

    @Test
    void peeringProblemsAreNamed() {
        assertThatThrownBy(() -> ApplianceConfig.parse("""
                node: {id: tandem-3}
                replication: often
                failover: {automatic: true, after: 5s}
                peers: [{name: x, address: 10.0.0.9, port: 18000}]
                peering:
                  members:
                    - {name: tandem-1, admin: "http://10.0.0.1:9090", xds: "10.0.0.1:18000", link: "10.0.0.1"}
                    - {name: tandem-1, admin: "https://10.0.0.1:9090", xds: "10.0.0.1:18000", link: "10.0.0.1:18100"}
                """, BASE))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.errors())
                                .extracting(Object::toString)
                                .anySatisfy(m ->
                                        assertThat(m).contains("replication").contains("'often' is not one of"))
                                .anySatisfy(m -> assertThat(m).contains("automatic: true needs a lease store"))
                                .anySatisfy(m -> assertThat(m).contains("failover.after (5s) must be at least"))
                                .anySatisfy(m -> assertThat(m).contains("admin").contains("is not an https URL"))
                                .anySatisfy(m -> assertThat(m).contains("link").contains("is not host:port"))
                                .anySatisfy(m -> assertThat(m).contains("'tandem-1' is listed twice"))
                                .anySatisfy(m -> assertThat(m).contains("must list this node ('tandem-3'"))
                                .anySatisfy(m -> assertThat(m).contains("peers").contains("both list nodes")));
        assertThatThrownBy(() -> ApplianceConfig.parse("replication: sync\n", BASE))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.errors().toString()).contains("replication needs a peering section"));
    }

    /** The README's "Run two peers" configs: both parse, with one members list and ports apart. */
    @Test
    void theSamplePeersAreValid() throws Exception {
        ApplianceConfig one = ApplianceConfig.load(Path.of("../samples/peers/tandem-1.yaml"));
        ApplianceConfig two = ApplianceConfig.load(Path.of("../samples/peers/tandem-2.yaml"));
        assertThat(one.peering().orElseThrow().members())
                .isEqualTo(two.peering().orElseThrow().members());
        assertThat(one.admin().port()).isNotEqualTo(two.admin().port());
        assertThat(one.peering().orElseThrow().member("tandem-2").orElseThrow().link())
                .isEqualTo(two.peering().orElseThrow().listen());
        assertThat(one.dataDir()).isNotEqualTo(two.dataDir());
    }
}
