package dev.tandem.fallback;

import io.minio.MinioClient;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * An S3-compatible store: {@code endpoint} (MinIO's URL, or AWS's regional endpoint), bucket, key
 * prefix, region. Written as {@code s3://bucket/prefix} on the command line, with the endpoint and
 * region beside it.
 */
public record S3Location(URI endpoint, String bucket, String prefix, String region) {

    public S3Location {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("bucket '" + bucket
                    + "' is not a valid S3 bucket name (3 to 63 lower-case " + "letters, digits, '.' and '-')");
        }
        String scheme = endpoint == null ? null : endpoint.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
            throw new IllegalArgumentException(
                    "endpoint '" + endpoint + "' must be an http(s) URL, e.g. https://minio.example:9000");
        }
        prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        region = region == null || region.isBlank() ? "us-east-1" : region;
    }

    /** Parses {@code s3://bucket[/prefix]}. */
    public static S3Location parse(String url, URI endpoint, String region) {
        if (!url.toLowerCase(Locale.ROOT).startsWith("s3://")) {
            throw new IllegalArgumentException("'" + url + "' is not an s3://bucket[/prefix] URL");
        }
        String rest = url.substring(5);
        int slash = rest.indexOf('/');
        return new S3Location(
                endpoint,
                slash < 0 ? rest : rest.substring(0, slash),
                slash < 0 ? "" : rest.substring(slash + 1),
                region);
    }

    /** The full object key for a store-relative key. */
    public String objectKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    Optional<String> prefixOrEmpty() {
        return prefix.isEmpty() ? Optional.empty() : Optional.of(prefix);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + " at " + endpoint;
    }

    /** A minio client for this location over {@code http}: the export store's and the lease's, each with its own timeouts. */
    public MinioClient client(S3Credentials credentials, OkHttpClient http) {
        return MinioClient.builder()
                .endpoint(endpoint.toString())
                .region(region)
                .credentials(credentials.accessKey(), credentials.secretKey())
                .httpClient(http)
                .build();
    }
}
