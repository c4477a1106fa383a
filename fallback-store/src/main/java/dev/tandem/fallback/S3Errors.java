package dev.tandem.fallback;

import io.minio.errors.ErrorResponseException;

/**
 * What minio-java's exceptions say about an S3 answer: the error code, the HTTP status, the message
 * and the root cause, wherever in the cause chain minio put them. Shared by the export store and the
 * peers' lease client, which read the same answers.
 */
public final class S3Errors {
    private S3Errors() {}

    /** The S3 error code ({@code NoSuchKey}, {@code PreconditionFailed}…), or null when the store gave none. */
    public static String code(Throwable e) {
        ErrorResponseException response = errorResponse(e);
        return response == null || response.errorResponse() == null
                ? null
                : response.errorResponse().code();
    }

    /** The HTTP status of the store's answer, or −1 when there was none (unreachable, timed out). */
    public static int status(Throwable e) {
        ErrorResponseException response = errorResponse(e);
        return response == null || response.response() == null
                ? -1
                : response.response().code();
    }

    public static String message(Throwable e) {
        ErrorResponseException response = errorResponse(e);
        return response == null || response.errorResponse() == null
                ? ""
                : response.errorResponse().message();
    }

    /** The innermost cause's class and message: what a connection failure really was. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static ErrorResponseException errorResponse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ErrorResponseException response) {
                return response;
            }
        }
        return null;
    }
}
