package dev.tandem.fallback;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * An S3-compatible bucket through minio-java (MinIO and AWS S3 alike). Conditional writes are the
 * standard headers: {@code If-None-Match: *} to create, {@code If-Match: <etag>} to replace; a
 * store that answers 412 refused the write because another writer got there first.
 */
public final class S3Store implements FallbackStore {

    /** Short timeouts: an exporter retries with backoff, a data plane falls back to its cache. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration IO_TIMEOUT = Duration.ofSeconds(20);

    private final S3Location location;
    private final MinioClient client;
    private final OkHttpClient http;

    public S3Store(S3Location location, S3Credentials credentials) {
        this.location = location;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .readTimeout(IO_TIMEOUT)
                .writeTimeout(IO_TIMEOUT)
                .retryOnConnectionFailure(false)
                .build();
        this.client = location.client(credentials, http);
    }

    @Override
    public boolean createIfAbsent(String key, byte[] content) throws StoreException {
        return put(key, content, Map.of("If-None-Match", "*"));
    }

    @Override
    public Optional<StoredObject> read(String key) throws StoreException {
        try (GetObjectResponse response = client.getObject(GetObjectArgs.builder()
                .bucket(location.bucket())
                .object(location.objectKey(key))
                .build())) {
            byte[] content = response.readAllBytes();
            String etag = response.headers().get("ETag");
            return Optional.of(new StoredObject(content, etag == null ? "" : etag));
        } catch (MinioException | RuntimeException e) {
            // minio reports an unreachable server as an IllegalStateException
            if ("NoSuchKey".equals(S3Errors.code(e))) {
                return Optional.empty();
            }
            throw failure("read", key, e);
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public boolean replaceIf(String key, byte[] content, Optional<String> expectedEtag) throws StoreException {
        return put(
                key, content, expectedEtag.map(etag -> Map.of("If-Match", etag)).orElse(Map.of("If-None-Match", "*")));
    }

    @Override
    public List<String> list(String prefix) throws StoreException {
        String full = location.objectKey(prefix.endsWith("/") ? prefix : prefix + "/");
        List<String> keys = new ArrayList<>();
        try {
            for (Result<Item> result : client.listObjects(ListObjectsArgs.builder()
                    .bucket(location.bucket())
                    .prefix(full)
                    .recursive(true)
                    .build())) {
                String name = result.get().objectName();
                keys.add(
                        location.prefix().isEmpty()
                                ? name
                                : name.substring(location.prefix().length() + 1));
            }
        } catch (MinioException | RuntimeException e) {
            throw failure("list", prefix, e);
        }
        keys.sort(null);
        return keys;
    }

    @Override
    public void delete(String key) throws StoreException {
        try {
            client.removeObject(RemoveObjectArgs.builder()
                    .bucket(location.bucket())
                    .object(location.objectKey(key))
                    .build());
        } catch (MinioException | RuntimeException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public String describe() {
        return location.toString();
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private boolean put(String key, byte[] content, Map<String, String> conditions) throws StoreException {
        try {
            client.putObject(PutObjectArgs.builder()
                    .bucket(location.bucket())
                    .object(location.objectKey(key))
                    .data(content, content.length)
                    .headers(conditions)
                    .build());
            return true;
        } catch (MinioException | RuntimeException e) {
            String code = S3Errors.code(e);
            if ("PreconditionFailed".equals(code) || S3Errors.status(e) == 412) {
                return false;
            }
            throw failure("write", key, e);
        }
    }

    private StoreException failure(String what, String key, Exception e) {
        String code = S3Errors.code(e);
        String detail = code != null ? code + ": " + S3Errors.message(e) : String.valueOf(S3Errors.rootMessage(e));
        return new StoreException(
                "cannot " + what + " " + location.objectKey(key) + " in " + location + ": " + detail, e);
    }
}
