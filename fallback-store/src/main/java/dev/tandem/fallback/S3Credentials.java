package dev.tandem.fallback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * An access key pair for the S3 store, never in the YAML config: from a file of {@code accessKey=}
 * and {@code secretKey=} lines (mode 0600, as AWS's credentials files), or from the environment
 * ({@code TANDEM_S3_ACCESS_KEY}/{@code TANDEM_S3_SECRET_KEY}, else {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}).
 * {@link #toString()} never shows the secret.
 */
public record S3Credentials(String accessKey, String secretKey) {

    public static S3Credentials fromFile(Path file) throws StoreException {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new StoreException("cannot read the S3 credentials file " + file + ": " + e.getMessage(), e);
        }
        String access = properties.getProperty("accessKey", "").trim();
        String secret = properties.getProperty("secretKey", "").trim();
        if (access.isEmpty() || secret.isEmpty()) {
            throw new StoreException(
                    "the S3 credentials file " + file + " needs accessKey=... and secretKey=... lines");
        }
        return new S3Credentials(access, secret);
    }

    /** From the environment, or empty when it holds no pair. */
    public static Optional<S3Credentials> fromEnvironment(Map<String, String> env) {
        for (String[] names : new String[][] {
            {"TANDEM_S3_ACCESS_KEY", "TANDEM_S3_SECRET_KEY"}, {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
        }) {
            String access = env.get(names[0]);
            String secret = env.get(names[1]);
            if (access != null && !access.isBlank() && secret != null && !secret.isBlank()) {
                return Optional.of(new S3Credentials(access.trim(), secret.trim()));
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "S3Credentials[accessKey=" + accessKey + ", secretKey=(redacted)]";
    }
}
