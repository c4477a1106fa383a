package dev.tandem.appliance.export;

import dev.tandem.fallback.EncryptionKey;
import dev.tandem.fallback.ExportWriter;
import dev.tandem.fallback.FallbackStore;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export of every revision, wired: the store it goes to (a folder or S3), the key that signs it,
 * the optional encryption key, and the {@link Exporter} that writes each node group's snapshot.
 * Closing it stops the exporter, then the store.
 */
public final class ExportPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExportPipeline.class);

    private final FallbackStore store;
    private final Exporter exporter;

    private ExportPipeline(FallbackStore store, Exporter exporter) {
        this.store = store;
        this.exporter = exporter;
    }

    /**
     * Opens the export store and starts the exporter, or says why there is none.
     *
     * @param environment where S3 credentials may come from ({@link ExportStores})
     * @throws IOException naming the setting that is wrong (an encryption key file that cannot be read)
     */
    public static Optional<ExportPipeline> open(
            ExportSettings settings,
            KeyPair signingKey,
            String applianceId,
            Map<String, String> environment,
            Clock clock)
            throws IOException {
        if (!settings.enabled()) {
            LOG.warn("export: disabled (export.enabled: false); a data plane that starts while every control plane is "
                    + "down has nothing to start from");
            return Optional.empty();
        }
        Optional<EncryptionKey> encryption = Optional.empty();
        if (settings.encryptionKeyFile().isPresent()) {
            try {
                encryption = Optional.of(
                        EncryptionKey.fromFile(settings.encryptionKeyFile().get()));
            } catch (IOException e) {
                throw new IOException("export.encryptionKeyFile: " + e.getMessage(), e);
            }
        }
        FallbackStore store = ExportStores.open(settings, environment);
        Exporter exporter = new Exporter(
                new ExportWriter(store, signingKey, encryption, settings.keep()), applianceId, store.describe(), clock);
        LOG.info(
                "export: every revision goes to {}{}, newest {} kept",
                store.describe(),
                encryption.map(k -> ", encrypted with key " + k.id()).orElse(""),
                settings.keep());
        return Optional.of(new ExportPipeline(store, exporter));
    }

    public Exporter exporter() {
        return exporter;
    }

    @Override
    public void close() {
        exporter.close();
        store.close();
    }
}
