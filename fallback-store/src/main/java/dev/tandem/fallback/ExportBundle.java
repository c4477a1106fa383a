package dev.tandem.fallback;

import java.time.Instant;
import java.util.Map;

/**
 * One node group's config at one revision, as exported: what the data plane needs to serve exactly
 * what the control plane served. {@code payload} is the resources document (JSON, Envoy's proto3
 * JSON per resource; written and read by the appliance, opaque here).
 *
 * @param versions the xDS version of each resource type (content hashes), as the control plane served them
 */
public record ExportBundle(
        String nodeGroup,
        long revision,
        long epoch,
        String applianceId,
        Instant createdAt,
        Map<String, String> versions,
        byte[] payload) {

    public static final String FORMAT = "tandem-bundle/v1";

    /** The key of the bundle in the store: {@code <group>/revisions/<revision>.bundle}. */
    public static String key(String nodeGroup, long revision) {
        return nodeGroup + "/revisions/" + revision + ".bundle";
    }
}
