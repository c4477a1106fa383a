package dev.tandem.appliance.export;

import dev.tandem.fallback.DirectoryStore;
import dev.tandem.fallback.FallbackStore;
import dev.tandem.fallback.S3Credentials;
import dev.tandem.fallback.S3Location;
import dev.tandem.fallback.S3Store;
import dev.tandem.fallback.StoreException;
import java.util.Map;

/** Opens the store the {@code export:} settings name. */
public final class ExportStores {

    private ExportStores() {}

    /**
     * @param env the environment, for S3 credentials when no {@code credentialsFile} is given
     * @throws StoreException naming what is missing (credentials) or unusable (the folder)
     */
    public static FallbackStore open(ExportSettings settings, Map<String, String> env) throws StoreException {
        if (settings.s3().isEmpty()) {
            return new DirectoryStore(settings.folder());
        }
        ExportSettings.S3 s3 = settings.s3().get();
        return new S3Store(location(s3), credentials(s3, env));
    }

    /** Where the bucket is: the export store's, also the lease's (ADR 0014 §5.1). */
    public static S3Location location(ExportSettings.S3 s3) {
        return new S3Location(s3.endpoint(), s3.bucket(), s3.prefix(), s3.region());
    }

    /** The bucket's credentials, from {@code credentialsFile} or the environment. */
    public static S3Credentials credentials(ExportSettings.S3 s3, Map<String, String> env) throws StoreException {
        return s3.credentialsFile().isPresent()
                ? S3Credentials.fromFile(s3.credentialsFile().get())
                : S3Credentials.fromEnvironment(env)
                        .orElseThrow(() -> new StoreException("export.s3 needs credentials: "
                                + "export.s3.credentialsFile (accessKey=/secretKey= lines) or TANDEM_S3_ACCESS_KEY and TANDEM_S3_SECRET_KEY "
                                + "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) in the environment"));
    }
}
