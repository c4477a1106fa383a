package dev.tandem.appliance.cli;

import dev.tandem.appliance.dataplane.AdsBootstrapFile;
import dev.tandem.appliance.dataplane.DataPlaneLauncher;
import dev.tandem.appliance.dataplane.EnvoyLauncher;
import dev.tandem.appliance.dataplane.PeerProbe;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.fallback.DirectoryStore;
import dev.tandem.fallback.EncryptionKey;
import dev.tandem.fallback.FallbackStore;
import dev.tandem.fallback.S3Credentials;
import dev.tandem.fallback.S3Location;
import dev.tandem.fallback.S3Store;
import dev.tandem.fallback.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem dataplane}: see {@link DataPlaneLauncher}. */
@Command(
        name = "dataplane",
        mixinStandardHelpOptions = true,
        description =
                "Run Envoy on a data-plane host: on ADS when a Tandem peer answers, otherwise from the node group's "
                        + "latest signed export (verified, cached), moving to ADS by hot restart when a peer answers.")
final class DataPlaneCommand implements Callable<Integer> {

    @Option(
            names = "--bootstrap",
            required = true,
            description = "The ADS bootstrap tandem bootstrap wrote: the node, its group, the peers and the TLS files.")
    Path bootstrap;

    @Option(
            names = "--node-group",
            description = "The node group; must be the bootstrap's node.cluster (a guard against "
                    + "starting with another group's bootstrap).")
    String nodeGroup;

    @Option(
            names = "--store",
            required = true,
            description = "Where the exports are: s3://bucket[/prefix] or a folder.")
    String store;

    @Option(
            names = "--s3-endpoint",
            description = "The S3 endpoint (MinIO's URL, or https://s3.<region>.amazonaws.com).")
    URI s3Endpoint;

    @Option(names = "--s3-region", defaultValue = "us-east-1", description = "Default: ${DEFAULT-VALUE}.")
    String s3Region;

    @Option(
            names = "--s3-credentials-file",
            description =
                    "accessKey= and secretKey= lines (default: TANDEM_S3_ACCESS_KEY/"
                            + "TANDEM_S3_SECRET_KEY or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the environment). Read access is enough.")
    Path s3CredentialsFile;

    @Option(
            names = "--trusted-key",
            required = true,
            description = "The cluster's export-signing public key (PEM; <dataDir>/pki/export-signing.pub on a peer).")
    Path trustedKey;

    @Option(names = "--decryption-key-file", description = "The export encryption key, when exports are encrypted.")
    Path decryptionKey;

    @Option(
            names = "--envoy",
            defaultValue = "/usr/local/bin/envoy",
            description = "The Envoy binary (default: ${DEFAULT-VALUE}).")
    Path envoy;

    @Option(
            names = "--workdir",
            defaultValue = "/var/lib/tandem-dataplane",
            description = "Where the bootstraps and the cached export are written (default: ${DEFAULT-VALUE}).")
    Path workdir;

    @Option(
            names = "--probe-interval",
            defaultValue = "5s",
            description =
                    "How often the peers are probed while Envoy runs " + "from the export (default: ${DEFAULT-VALUE}).")
    Duration probeInterval;

    @Option(
            names = "--print",
            description = "Only write the bootstrap Envoy would start with now (and cache the export); "
                    + "do not start Envoy.")
    boolean print;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (probeInterval.isZero()) {
            // A zero is a duration, but not an interval: said as the value was typed (0s, 0ms, ...).
            String typed = spec.commandLine()
                    .getParseResult()
                    .matchedOption("--probe-interval")
                    .originalStringValues()
                    .get(0);
            err.println("tandem dataplane: --probe-interval '" + typed + "' is not a duration such as 5s");
            err.flush();
            return 2;
        }
        AdsBootstrapFile ads;
        PublicKey key;
        Optional<EncryptionKey> decryption;
        Supplier<FallbackStore> stores;
        try {
            ads = AdsBootstrapFile.read(bootstrap);
            if (nodeGroup != null && !nodeGroup.equals(ads.nodeGroup())) {
                throw new IllegalArgumentException("--node-group " + nodeGroup + " but " + bootstrap
                        + " is for node group '" + ads.nodeGroup() + "'");
            }
            key = PemFiles.readPublicKey(trustedKey);
            decryption = decryptionKey == null ? Optional.empty() : Optional.of(EncryptionKey.fromFile(decryptionKey));
            stores = storeOpener();
        } catch (IOException | IllegalArgumentException e) {
            err.println("tandem dataplane: " + e.getMessage());
            err.flush();
            return DataPlaneLauncher.FAILED;
        }
        DataPlaneLauncher dataPlane = new DataPlaneLauncher(
                ads,
                workdir,
                stores,
                key,
                decryption,
                new PeerProbe(ads.peers(), ads.tls(), Duration.ofSeconds(2)),
                probeInterval,
                spec.commandLine().getOut(),
                err);
        try {
            if (print) {
                return dataPlane.print();
            }
            try (EnvoyLauncher launcher = new EnvoyLauncher(envoy, workdir)) {
                return dataPlane.run(launcher);
            }
        } catch (IOException | UncheckedIOException e) {
            err.println("tandem dataplane: " + e.getMessage());
            err.flush();
            return DataPlaneLauncher.FAILED;
        }
    }

    /** Checks the store options now; opens the store only when the export must be read. */
    private Supplier<FallbackStore> storeOpener() throws IOException {
        if (!store.startsWith("s3://")) {
            Path folder = Path.of(store.startsWith("file:") ? URI.create(store).getPath() : store);
            return () -> {
                try {
                    return new DirectoryStore(folder);
                } catch (StoreException e) {
                    throw new UncheckedIOException(e);
                }
            };
        }
        if (s3Endpoint == null) {
            throw new IllegalArgumentException("--store " + store + " needs --s3-endpoint");
        }
        S3Location location = S3Location.parse(store, s3Endpoint, s3Region);
        S3Credentials credentials = s3CredentialsFile != null
                ? S3Credentials.fromFile(s3CredentialsFile)
                : S3Credentials.fromEnvironment(System.getenv())
                        .orElseThrow(
                                () -> new IllegalArgumentException(
                                        "--store " + store
                                                + " needs credentials: --s3-credentials-file, or TANDEM_S3_ACCESS_KEY and TANDEM_S3_SECRET_KEY"));
        return () -> new S3Store(location, credentials);
    }
}
