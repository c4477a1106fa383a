package dev.tandem.appliance;

import dev.tandem.appliance.export.ExportSettings;
import dev.tandem.appliance.peers.PeeringSettings;
import dev.tandem.appliance.pki.PkiSettings;
import dev.tandem.fallback.S3Location;
import dev.tandem.xds.bootstrap.XdsPeer;
import dev.tandem.xds.model.ConfigError;
import dev.tandem.xds.model.InvalidConfigException;
import dev.tandem.xds.model.YamlFields;
import dev.tandem.xds.model.YamlText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The appliance's own config ({@code tandem.yaml}; {@code /etc/tandem/tandem.yaml} when installed).
 * Relative paths are resolved against the folder of the file.
 *
 * @param initialConfig a gateway config applied as the first revision when the store has none
 * @param xdsInsecure   {@code xds.insecure: true}: plaintext xDS without client certificates (loudly logged)
 * @param export        where each revision's snapshots are exported for data planes that start during an outage
 * @param peering       the peers this node replicates with; empty for a standalone node
 * @param xdsAdmission  {@code xds.admission}: the rate at which new xDS streams are admitted
 */
public record ApplianceConfig(
        String nodeId,
        Path dataDir,
        Endpoint admin,
        Endpoint xds,
        Optional<Path> initialConfig,
        List<XdsPeer> peers,
        PkiSettings pki,
        boolean xdsInsecure,
        ExportSettings export,
        Optional<PeeringSettings> peering,
        XdsAdmission xdsAdmission) {

    public static final int DEFAULT_ADMIN_PORT = 9090;
    public static final int DEFAULT_XDS_PORT = 18000;

    public ApplianceConfig(
            String nodeId,
            Path dataDir,
            Endpoint admin,
            Endpoint xds,
            Optional<Path> initialConfig,
            List<XdsPeer> peers,
            PkiSettings pki,
            boolean xdsInsecure) {
        this(
                nodeId,
                dataDir,
                admin,
                xds,
                initialConfig,
                peers,
                pki,
                xdsInsecure,
                ExportSettings.defaults(dataDir),
                Optional.empty(),
                XdsAdmission.defaults());
    }

    public ApplianceConfig(String nodeId, Path dataDir, Endpoint admin, Endpoint xds, Optional<Path> initialConfig) {
        this(nodeId, dataDir, admin, xds, initialConfig, List.of(), PkiSettings.defaults(nodeId), false);
    }

    /** The same node with another PKI (tests bring one CA for every appliance of a JVM). */
    public ApplianceConfig withPki(PkiSettings other) {
        return new ApplianceConfig(
                nodeId, dataDir, admin, xds, initialConfig, peers, other, xdsInsecure, export, peering, xdsAdmission);
    }

    /** The same node exporting elsewhere. */
    public ApplianceConfig withExport(ExportSettings other) {
        return new ApplianceConfig(
                nodeId, dataDir, admin, xds, initialConfig, peers, pki, xdsInsecure, other, peering, xdsAdmission);
    }

    /** Where the PKI lives: {@code <dataDir>/pki}. */
    public Path pkiDir() {
        return dataDir.resolve("pki");
    }

    /**
     * Every node's xDS endpoint as data planes reach it, this one included; when the file names none,
     * this node alone (a wildcard listen address is advertised as loopback).
     */
    public List<XdsPeer> xdsPeers() {
        if (peering.isPresent()) {
            return peering.get().members().stream()
                    .map(m -> new XdsPeer(m.name(), m.xds().host(), m.xds().port()))
                    .toList();
        }
        if (!peers.isEmpty()) {
            return peers;
        }
        String address = xds.address().equals("0.0.0.0") || xds.address().equals("::") ? "127.0.0.1" : xds.address();
        return List.of(new XdsPeer(nodeId, address, xds.port()));
    }

    /** An address and port to listen on; port 0 picks a free port (tests). */
    public record Endpoint(String address, int port) {}

    /** Reads and checks the file; every problem is reported at once. */
    public static ApplianceConfig load(Path file) throws IOException, InvalidConfigException {
        String text = Files.readString(file);
        Path base = file.toAbsolutePath().getParent();
        return parse(text, base);
    }

    static ApplianceConfig parse(String text, Path base) throws InvalidConfigException {
        List<ConfigError> errors = new ArrayList<>();
        String label = "appliance config";
        List<Object> documents = YamlText.loadAll(text, label, errors);
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        if (documents.size() > 1) {
            throw new InvalidConfigException(
                    List.of(new ConfigError(label, "", "must be one YAML document, not " + documents.size())));
        }
        Object root = documents.isEmpty() ? null : documents.get(0);
        YamlFields top = YamlFields.of(root == null ? Map.of() : root, label, "", errors);
        YamlFields node = top.object("node");
        String nodeId = node.string("id", defaultNodeId());
        node.finish();
        Path dataDir = base.resolve(top.string("dataDir", "/var/lib/tandem")).normalize();
        Endpoint admin = endpoint(top.object("admin"), DEFAULT_ADMIN_PORT);
        YamlFields xdsFields = top.object("xds");
        boolean insecure = xdsFields.bool("insecure", false);
        YamlFields admissionFields = xdsFields.object("admission");
        XdsAdmission defaults = XdsAdmission.defaults();
        Integer rate = admissionFields.integer("streamsPerSecond", 1, XdsAdmission.MAX_RATE);
        Integer burst = admissionFields.integer("burst", 1, XdsAdmission.MAX_BURST);
        admissionFields.finish();
        XdsAdmission admission = new XdsAdmission(
                rate == null ? defaults.streamsPerSecond() : rate, burst == null ? defaults.burst() : burst);
        Endpoint xds = endpoint(xdsFields, DEFAULT_XDS_PORT);
        Optional<Path> initial = Optional.ofNullable(top.string("initialConfig"))
                .map(p -> base.resolve(p).normalize());
        List<XdsPeer> peers = new ArrayList<>();
        for (YamlFields peer : top.objects("peers")) {
            String name = peer.requiredString("name");
            String address = peer.requiredString("address");
            Integer port = peer.requiredInteger("port", 1, 65535);
            peer.finish();
            if (name != null && address != null && port != null) {
                peers.add(new XdsPeer(name, address, port));
            }
        }
        PkiSettings pki = pki(top.object("pki"), nodeId, admin, xds, base);
        ExportSettings export = export(top.object("export"), dataDir, base);
        Optional<PeeringSettings> peering =
                PeeringSettings.read(top, nodeId, export.s3().isPresent());
        if (peering.isPresent() && !peers.isEmpty()) {
            top.error(
                    "peers",
                    "and peering.members both list nodes: with peering, list every node once under "
                            + "peering.members (bootstraps take their xDS addresses from there)");
        }
        top.finish();
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return new ApplianceConfig(
                nodeId, dataDir, admin, xds, initial, List.copyOf(peers), pki, insecure, export, peering, admission);
    }

    private static PkiSettings pki(YamlFields p, String nodeId, Endpoint admin, Endpoint xds, Path base) {
        String clusterName = p.string("clusterName", "tandem");
        List<String> names = p.strings("serverNames");
        List<String> addresses = p.strings("serverAddresses");
        if (names.isEmpty()) {
            names = List.of(nodeId, "localhost");
        }
        if (addresses.isEmpty()) {
            // Clients check the address they dial against the certificate: every listen address, and loopback.
            Set<String> listen = new TreeSet<>();
            for (Endpoint e : List.of(admin, xds)) {
                if (!e.address().equals("0.0.0.0") && !e.address().equals("::")) {
                    listen.add(e.address());
                }
            }
            listen.add("127.0.0.1");
            addresses = List.copyOf(listen);
        }
        Function<String, Optional<Path>> file = key ->
                Optional.ofNullable(p.string(key)).map(f -> base.resolve(f).normalize());
        PkiSettings settings = new PkiSettings(
                clusterName,
                nodeId,
                names,
                addresses,
                file.apply("caCertFile"),
                file.apply("caKeyFile"),
                file.apply("serverCertFile"),
                file.apply("serverKeyFile"));
        if (settings.caCertFile().isPresent() != settings.caKeyFile().isPresent()) {
            p.error("caCertFile", "and caKeyFile go together: bring both or neither");
        }
        if (settings.serverCertFile().isPresent() != settings.serverKeyFile().isPresent()) {
            p.error("serverCertFile", "and serverKeyFile go together: bring both or neither");
        }
        p.finish();
        return settings;
    }

    private static ExportSettings export(YamlFields e, Path dataDir, Path base) {
        boolean enabled = e.bool("enabled", true);
        Path folder = Optional.ofNullable(e.string("folder"))
                .map(f -> base.resolve(f).normalize())
                .orElse(dataDir.resolve("export"));
        Integer keep = e.integer("keep", 1, 10_000);
        Optional<Path> key = Optional.ofNullable(e.string("encryptionKeyFile"))
                .map(f -> base.resolve(f).normalize());
        Optional<ExportSettings.S3> s3 = Optional.empty();
        if (e.has("s3")) {
            YamlFields s = e.object("s3");
            String endpoint = s.requiredString("endpoint");
            String bucket = s.requiredString("bucket");
            String prefix = s.string("prefix", "");
            String region = s.string("region", "us-east-1");
            Optional<Path> credentials = Optional.ofNullable(s.string("credentialsFile"))
                    .map(f -> base.resolve(f).normalize());
            if (s.has("accessKey") || s.has("secretKey")) {
                s.error(
                        "accessKey",
                        "credentials never go in this file: use credentialsFile (accessKey=/secretKey= lines, "
                                + "mode 0600) or TANDEM_S3_ACCESS_KEY/TANDEM_S3_SECRET_KEY in the environment");
            }
            s.finish();
            if (endpoint != null && bucket != null) {
                try {
                    new S3Location(URI.create(endpoint), bucket, prefix, region);
                    s3 = Optional.of(new ExportSettings.S3(URI.create(endpoint), bucket, prefix, region, credentials));
                } catch (IllegalArgumentException invalid) {
                    e.error("s3", invalid.getMessage());
                }
            }
        }
        e.finish();
        return new ExportSettings(enabled, folder, s3, keep == null ? ExportSettings.DEFAULT_KEEP : keep, key);
    }

    private static Endpoint endpoint(YamlFields fields, int defaultPort) {
        String address = fields.string("address", "127.0.0.1");
        Integer port = fields.integer("port", 0, 65535);
        fields.finish();
        return new Endpoint(address, port == null ? defaultPort : port);
    }

    private static String defaultNodeId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "tandem";
        }
    }

    public ApplianceConfig withPorts(int adminPort, int xdsPort) {
        return new ApplianceConfig(
                nodeId,
                dataDir,
                new Endpoint(admin.address(), adminPort),
                new Endpoint(xds.address(), xdsPort),
                initialConfig,
                peers,
                pki,
                xdsInsecure,
                export,
                peering,
                xdsAdmission);
    }

    /** The same node with other peering (tests start peers on ports picked by the first one). */
    public ApplianceConfig withPeering(Optional<PeeringSettings> other) {
        return new ApplianceConfig(
                nodeId, dataDir, admin, xds, initialConfig, peers, pki, xdsInsecure, export, other, xdsAdmission);
    }
}
