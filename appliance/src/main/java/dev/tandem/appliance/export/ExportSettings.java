package dev.tandem.appliance.export;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code export:} section of the appliance config: where exports go (a local folder by default,
 * or an S3-compatible bucket), how many revisions to keep, and the optional encryption key.
 * Credentials for S3 come from {@code credentialsFile} or the environment, never from the YAML.
 */
public record ExportSettings(
        boolean enabled, Path folder, Optional<S3> s3, int keep, Optional<Path> encryptionKeyFile) {

    public static final int DEFAULT_KEEP = 10;

    /** An S3-compatible bucket (MinIO, AWS S3). */
    public record S3(URI endpoint, String bucket, String prefix, String region, Optional<Path> credentialsFile) {}

    /** Export to {@code <dataDir>/export}: the embedded default. */
    public static ExportSettings defaults(Path dataDir) {
        return new ExportSettings(true, dataDir.resolve("export"), Optional.empty(), DEFAULT_KEEP, Optional.empty());
    }

    /** Where exports go, for messages and the status. */
    public String describe() {
        return s3.map(s ->
                        "s3://" + s.bucket() + (s.prefix().isEmpty() ? "" : "/" + s.prefix()) + " at " + s.endpoint())
                .orElse("folder " + folder);
    }
}
