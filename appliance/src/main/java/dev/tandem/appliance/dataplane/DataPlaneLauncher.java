package dev.tandem.appliance.dataplane;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tandem.fallback.BundleRejected;
import dev.tandem.fallback.Bundles;
import dev.tandem.fallback.EncryptionKey;
import dev.tandem.fallback.ExportBundle;
import dev.tandem.fallback.ExportReader;
import dev.tandem.fallback.FallbackStore;
import dev.tandem.fallback.StoreException;
import dev.tandem.xds.bootstrap.StaticBootstrap;
import dev.tandem.xds.bootstrap.XdsPeer;
import dev.tandem.xds.snapshot.ResourcesDocument;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code tandem dataplane}: starts Envoy on a data-plane host, whether or not a control plane answers.
 * <ol>
 *   <li>A peer answers: Envoy starts on the ADS bootstrap.</li>
 *   <li>None answers: Envoy starts from the node group's latest export, verified (signature, key,
 *       group, revision) and decrypted; the bundle is cached in the workdir. A data plane that has a
 *       cached bundle never reads the store again (as in the seeds), so a restart with the store and
 *       every peer down still starts. A store that cannot be read is retried with backoff, while the
 *       peers are probed too. A bundle that fails a check is refused, and Envoy is not started.</li>
 *   <li>Envoy runs from the export while the peers are probed; when one answers, Envoy is hot
 *       restarted ({@code --restart-epoch} + 1) on the ADS bootstrap, so no listener goes away.</li>
 * </ol>
 */
public final class DataPlaneLauncher {

    /** Exit codes, as the other commands use them. */
    public static final int REFUSED = 1;

    public static final int FAILED = 3;

    static final String ADS_FILE = "envoy-ads.yaml";
    static final String FALLBACK_FILE = "envoy-fallback.yaml";
    static final String CACHED_BUNDLE = "fallback.bundle";
    private static final Duration MAX_STORE_RETRY = Duration.ofSeconds(30);

    private final AdsBootstrapFile ads;
    private final Path workdir;
    private final Supplier<FallbackStore> store;
    private final PublicKey trustedKey;
    private final Optional<EncryptionKey> decryption;
    private final PeerProbe probe;
    private final Duration probeInterval;
    private final PrintWriter out;
    private final PrintWriter err;

    /**
     * @param store opened only if the export must be read (no peer answers and nothing is cached)
     */
    public DataPlaneLauncher(
            AdsBootstrapFile ads,
            Path workdir,
            Supplier<FallbackStore> store,
            PublicKey trustedKey,
            Optional<EncryptionKey> decryption,
            PeerProbe probe,
            Duration probeInterval,
            PrintWriter out,
            PrintWriter err) {
        this.ads = ads;
        this.workdir = workdir;
        this.store = store;
        this.trustedKey = trustedKey;
        this.decryption = decryption;
        this.probe = probe;
        this.probeInterval = probeInterval;
        this.out = out;
        this.err = err;
    }

    /** {@code --print}: writes the bootstrap Envoy would start with now, and says which. */
    public int print() throws IOException, InterruptedException {
        Files.createDirectories(workdir);
        Optional<XdsPeer> serving = probe.firstServing(this::note);
        if (serving.isPresent()) {
            say("peer " + serving.get().name() + " answers: " + writeAds());
            return 0;
        }
        Start start = fallbackBootstrap(false);
        if (start == null) {
            return REFUSED;
        }
        say("no peer answers: " + start.bootstrap());
        return 0;
    }

    /** Runs Envoy until it exits (its exit code) or this thread is interrupted (then Envoy is stopped). */
    public int run(EnvoyLauncher envoy) throws IOException {
        Files.createDirectories(workdir);
        try {
            Optional<XdsPeer> serving = probe.firstServing(this::note);
            if (serving.isPresent()) {
                say("peer " + serving.get().name() + " answers: starting Envoy on ADS (epoch " + envoy.start(writeAds())
                        + ")");
                return envoy.current().waitFor();
            }
            Start start = fallbackBootstrap(true);
            if (start == null) {
                return REFUSED;
            }
            if (start.ads()) {
                say("a peer answers: starting Envoy on ADS (epoch " + envoy.start(start.bootstrap()) + ")");
                return envoy.current().waitFor();
            }
            say("no peer answers: starting Envoy from the export (epoch " + envoy.start(start.bootstrap()) + ")");
            while (envoy.current().isAlive()) {
                Thread.sleep(probeInterval.toMillis());
                Optional<XdsPeer> back = probe.firstServing(note -> {});
                if (back.isPresent()) {
                    int epoch = envoy.start(writeAds());
                    say("peer " + back.get().name() + " answers: hot restart onto ADS (epoch " + epoch + ")");
                    break;
                }
            }
            return envoy.current().waitFor();
        } catch (InterruptedException e) {
            say("stopping Envoy");
            envoy.close();
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private Path writeAds() throws IOException {
        return write(ADS_FILE, ads.text());
    }

    /** The bootstrap to start with; {@code ads} when a peer answered while the store was retried. */
    private record Start(Path bootstrap, boolean ads) {}

    /**
     * The fallback bootstrap from the cached bundle, else from the store (retried with backoff while
     * no peer answers); null after a refusal was said.
     */
    private Start fallbackBootstrap(boolean retry) throws IOException, InterruptedException {
        Path cached = workdir.resolve(CACHED_BUNDLE);
        byte[] bundleBytes;
        String source;
        if (Files.exists(cached)) {
            bundleBytes = Files.readAllBytes(cached);
            source = "the cached export " + cached;
        } else {
            Duration backoff = Duration.ofSeconds(1);
            while (true) {
                try (FallbackStore opened = store.get()) {
                    ExportReader.Verified latest =
                            new ExportReader(opened, trustedKey, decryption).latestVerified(ads.nodeGroup());
                    return new Start(writeFallback(latest, opened.describe(), cached), false);
                } catch (BundleRejected e) {
                    refuse(e.getMessage());
                    return null;
                } catch (StoreException e) {
                    if (!retry) {
                        refuse("cannot read the export: " + e.getMessage());
                        return null;
                    }
                    note("cannot read the export yet (retrying in " + backoff.toSeconds() + " s): " + e.getMessage());
                }
                Thread.sleep(backoff.toMillis());
                if (probe.firstServing(n -> {}).isPresent()) {
                    return new Start(writeAds(), true);
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_STORE_RETRY) > 0
                        ? MAX_STORE_RETRY
                        : backoff.multipliedBy(2);
            }
        }
        try {
            ExportBundle bundle = Bundles.open(bundleBytes, trustedKey, decryption, ads.nodeGroup(), source);
            return new Start(writeStatic(bundle, source), false);
        } catch (BundleRejected e) {
            refuse(e.getMessage() + " (remove it to read the store again)");
            return null;
        }
    }

    /** Verified: cache the stored bytes (they are verified again on every use), then write the bootstrap. */
    private Path writeFallback(ExportReader.Verified latest, String where, Path cached) throws IOException {
        Path temp = cached.resolveSibling(CACHED_BUNDLE + ".new");
        Files.write(temp, latest.stored());
        Files.move(temp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return writeStatic(latest.bundle(), where);
    }

    private Path writeStatic(ExportBundle bundle, String where) throws IOException {
        String yaml;
        try {
            yaml = StaticBootstrap.toYaml(
                    StaticBootstrap.build(ads.nodeId(), ResourcesDocument.read(bundle.payload())));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new IOException(
                    "the export of node group '" + ads.nodeGroup() + "' cannot become an Envoy bootstrap: "
                            + e.getMessage(),
                    e);
        }
        say("export of node group '" + bundle.nodeGroup() + "' revision " + bundle.revision() + " (epoch "
                + bundle.epoch() + ", exported by " + bundle.applianceId() + " at " + bundle.createdAt() + ") from "
                + where);
        return write(
                FALLBACK_FILE,
                "# Written by tandem dataplane from the export of node group '" + bundle.nodeGroup() + "' revision "
                        + bundle.revision() + ": every resource static, no control plane.\n" + yaml);
    }

    private Path write(String name, String text) throws IOException {
        Path target = workdir.resolve(name);
        Path temp = workdir.resolve(name + ".new");
        Files.writeString(temp, text);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private void refuse(String why) {
        err.println("tandem dataplane: refused: " + why + "; Envoy is not started");
        err.flush();
    }

    private void note(String what) {
        err.println("tandem dataplane: " + what);
        err.flush();
    }

    private void say(String what) {
        out.println("tandem dataplane: " + what);
        out.flush();
    }
}
