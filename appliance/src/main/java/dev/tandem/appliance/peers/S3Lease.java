package dev.tandem.appliance.peers;

import dev.tandem.fallback.BundleRejected;
import dev.tandem.fallback.S3Credentials;
import dev.tandem.fallback.S3Errors;
import dev.tandem.fallback.S3Location;
import dev.tandem.fallback.SignedDocument;
import dev.tandem.fallback.SigningKeys;
import dev.tandem.peers.Condition;
import dev.tandem.peers.Lease;
import dev.tandem.peers.LeaseAnswer;
import dev.tandem.peers.Replication;
import dev.tandem.peers.WriteAnswer;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import java.net.ConnectException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import okhttp3.OkHttpClient;

/**
 * The witness lease in the S3 store (ADR 0014 §5): one signed object, {@code _peers/lease.json},
 * read and written with conditions ({@code If-None-Match: *} to create, {@code If-Match} to
 * replace). Answers keep apart what the machine must tell apart: refused (412, 404, 409: someone
 * else's version is there), unreachable (the request never reached the store: it did not land) and
 * ambiguous (a timeout or a 5xx after sending: it may have landed). Its own HTTP client with one
 * attempt per call and minio-java's retries off: a hidden retry of a conditional write whose first
 * attempt landed would come back as a false 412 and spend the retry budget out of sight (§5.3).
 */
public final class S3Lease implements AutoCloseable {
    public static final String KEY = "_peers/lease.json";
    static final String FORMAT = "tandem-lease/v1";

    private final S3Location location;
    private final MinioClient client;
    private final OkHttpClient http;
    private final KeyPair signing;
    private final PublicKey trusted;

    /**
     * @param signing the export-signing key every peer holds: a lease is signed as {@code latest} is
     * @param trusted the key a lease must be signed with to count (the same key's public half)
     */
    public S3Lease(
            S3Location location, S3Credentials credentials, KeyPair signing, PublicKey trusted, Duration attempt) {
        this.location = location;
        this.signing = signing;
        this.trusted = trusted;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(attempt)
                .readTimeout(attempt)
                .writeTimeout(attempt)
                .callTimeout(attempt)
                .retryOnConnectionFailure(false)
                .build();
        this.client = location.client(credentials, http);
        client.setRetry(Set.of(), 0L, 1);
    }

    public LeaseAnswer read() {
        byte[] bytes;
        String etag;
        try (GetObjectResponse response = client.getObject(GetObjectArgs.builder()
                .bucket(location.bucket())
                .object(location.objectKey(KEY))
                .build())) {
            bytes = response.readAllBytes();
            etag = quoted(response.headers().get("ETag"));
        } catch (Exception e) {
            if ("NoSuchKey".equals(S3Errors.code(e))) {
                return new LeaseAnswer.Missing();
            }
            return new LeaseAnswer.Unreachable(describe("read", e));
        }
        try {
            return new LeaseAnswer.Found(
                    etag,
                    LeaseCodec.lease(SignedDocument.read(bytes, FORMAT, trusted, objectName())
                            .header()));
        } catch (BundleRejected e) {
            return new LeaseAnswer.Unverifiable(e.getMessage());
        } catch (IllegalArgumentException e) {
            return new LeaseAnswer.Unverifiable(objectName() + " is not a lease this cluster wrote: " + e.getMessage());
        }
    }

    public WriteAnswer write(Lease lease, Condition condition) {
        Map<String, Object> header = LeaseCodec.header(lease);
        header.put("keyId", SigningKeys.keyId(signing.getPublic()));
        byte[] bytes = SignedDocument.write(FORMAT, header, new byte[0], signing.getPrivate());
        return put(KEY, bytes, condition);
    }

    /** A conditional write of any object under the lease's prefix (the start-up probe's). */
    WriteAnswer put(String key, byte[] bytes, Condition condition) {
        Map<String, String> headers = switch (condition) {
            case Condition.Absent absent -> Map.of("If-None-Match", "*");
            case Condition.Matches matches -> Map.of("If-Match", quoted(matches.etag()));
        };
        try {
            ObjectWriteResponse written = client.putObject(PutObjectArgs.builder()
                    .bucket(location.bucket())
                    .object(location.objectKey(key))
                    .data(bytes, bytes.length)
                    .headers(headers)
                    .build());
            return new WriteAnswer.Written(quoted(written.etag()));
        } catch (Exception e) {
            int status = S3Errors.status(e);
            if (status == 412
                    || status == 404
                    || status == 409
                    || "PreconditionFailed".equals(S3Errors.code(e))
                    || "NoSuchKey".equals(S3Errors.code(e))) {
                return new WriteAnswer.Refused(status > 0 ? status : 412);
            }
            if (caused(e, ConnectException.class)) {
                return new WriteAnswer.Unreachable(describe("write", e));
            }
            // A timeout or a server error after the request went out: it may have landed.
            return new WriteAnswer.Ambiguous(describe("write", e));
        }
    }

    /** The version of {@code key}, or null when it is absent or unreadable (the probe's checks). */
    String etagOf(String key) {
        try (GetObjectResponse response = client.getObject(GetObjectArgs.builder()
                .bucket(location.bucket())
                .object(location.objectKey(key))
                .build())) {
            response.readAllBytes();
            return quoted(response.headers().get("ETag"));
        } catch (Exception e) {
            return null;
        }
    }

    void delete(String key) {
        try {
            client.removeObject(RemoveObjectArgs.builder()
                    .bucket(location.bucket())
                    .object(location.objectKey(key))
                    .build());
        } catch (Exception e) {
            // Best effort: a probe object left behind is harmless.
        }
    }

    public String describe() {
        return location + "/" + KEY;
    }

    private String objectName() {
        return location.objectKey(KEY) + " in " + location;
    }

    private String describe(String what, Exception e) {
        String code = S3Errors.code(e);
        return "cannot " + what + " " + objectName() + ": " + (code != null ? code : S3Errors.rootMessage(e));
    }

    /** RFC 7232 wants the quoted form in If-Match; minio hands a PUT's ETag back unquoted. */
    static String quoted(String etag) {
        if (etag == null || etag.isEmpty()) {
            return "";
        }
        return etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    }

    private static boolean caused(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** The lease as the signed header's fields (§5.1): durations as ISO-8601, judged on each reader's own clock. */
    static final class LeaseCodec {
        private LeaseCodec() {}

        static Map<String, Object> header(Lease lease) {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("cluster", lease.cluster());
            header.put("holder", lease.holder());
            header.put("epoch", lease.epoch());
            header.put("renewal", lease.renewal());
            header.put("ttl", Duration.ofNanos(lease.ttl()).toString());
            header.put("safetyMargin", Duration.ofNanos(lease.safetyMargin()).toString());
            header.put("syncStandby", lease.syncStandby());
            header.put("replication", lease.replication().name().toLowerCase(Locale.ROOT));
            header.put("allowDataLoss", lease.allowDataLoss());
            header.put("failsafeMembers", lease.failsafeMembers());
            header.put("committedIndex", lease.committedIndex());
            header.put("writeId", lease.writeId());
            header.put("writtenBy", lease.writtenBy());
            return header;
        }

        static Lease lease(Map<String, Object> header) {
            return new Lease(
                    text(header, "cluster"),
                    text(header, "holder"),
                    number(header, "epoch"),
                    number(header, "renewal"),
                    duration(header, "ttl"),
                    duration(header, "safetyMargin"),
                    (String) header.get("syncStandby"),
                    Replication.valueOf(text(header, "replication").toUpperCase(Locale.ROOT)),
                    Boolean.TRUE.equals(header.get("allowDataLoss")),
                    members(header.get("failsafeMembers")),
                    number(header, "committedIndex"),
                    text(header, "writeId"),
                    text(header, "writtenBy"));
        }

        private static String text(Map<String, Object> header, String field) {
            if (!(header.get(field) instanceof String value) || value.isEmpty()) {
                throw new IllegalArgumentException("the field " + field + " is missing or not text");
            }
            return value;
        }

        private static long number(Map<String, Object> header, String field) {
            if (!(header.get(field) instanceof Number value)) {
                throw new IllegalArgumentException("the field " + field + " is missing or not a number");
            }
            return value.longValue();
        }

        private static long duration(Map<String, Object> header, String field) {
            try {
                return Duration.parse(text(header, field)).toNanos();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("the field " + field + " is not an ISO-8601 duration", e);
            }
        }

        private static List<String> members(Object value) {
            if (!(value instanceof List<?> list) || list.stream().anyMatch(item -> !(item instanceof String))) {
                throw new IllegalArgumentException("the field failsafeMembers is not a list of names");
            }
            return list.stream().map(String.class::cast).toList();
        }
    }
}
