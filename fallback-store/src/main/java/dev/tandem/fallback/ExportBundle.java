package dev.tandem.fallback;

import java.time.Instant;
import java.util.Arrays;
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

    /**
     * The key of the bundle in the store: {@code <group>/revisions/<epoch>-<revision>.bundle}. The
     * epoch is part of it so that two contents never share a key: after a change of active the same
     * revision number is exported again at the new epoch, and a former active's late bundle cannot
     * land on the new active's key (ADR 0014). Stores written before the epoch was in the key hold
     * {@code <revision>.bundle}; readers follow {@code latest}, which names the key.
     */
    public static String key(String nodeGroup, long epoch, long revision) {
        return nodeGroup + "/revisions/" + epoch + "-" + revision + ".bundle";
    }

    /** The same bundle exported again: the same group, epoch, revision, versions and resources. */
    boolean sameContentAs(ExportBundle other) {
        return nodeGroup.equals(other.nodeGroup)
                && epoch == other.epoch
                && revision == other.revision
                && versions.equals(other.versions)
                && Arrays.equals(payload, other.payload);
    }
}
