package dev.tandem.xds.serve;

import java.time.Instant;
import java.util.Map;

/**
 * What the control plane knows of one connected data plane (one ADS stream).
 *
 * @param acked    per resource type ({@code listeners}, {@code routes}, ...) the version the data plane last accepted
 * @param lastNack the last rejection it sent, or {@code null}
 * @param nacks    how many rejections it sent on this stream
 */
public record DataPlaneStatus(
        long stream,
        String nodeId,
        String nodeGroup,
        String protocol,
        Instant connectedAt,
        Map<String, String> acked,
        Nack lastNack,
        long nacks) {

    /** A rejected version and the data plane's reason, verbatim. */
    public record Nack(String type, String rejectedVersion, String detail, Instant at) {}
}
