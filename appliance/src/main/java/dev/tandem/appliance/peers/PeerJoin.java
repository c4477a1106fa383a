package dev.tandem.appliance.peers;

import dev.tandem.appliance.Jackson;
import dev.tandem.appliance.pki.PemFiles;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code tandem peer join} leaves in a new peer's data directory (ADR 0014 §8): the cluster CA
 * and the export-signing key it received, in {@code pki/} where the appliance looks for them, and
 * {@link #MARKER}, which makes the node's first start a standby's. Its own server certificate is
 * issued by that CA at its first start, for its own names.
 */
public final class PeerJoin {
    /** Present once a node has joined: its first start follows the active instead of founding a cluster. */
    public static final String MARKER = "peer-join.json";

    /** The cluster material the active hands to a joining peer. */
    public record Material(
            String cluster,
            String name,
            String joinedFrom,
            X509Certificate ca,
            PrivateKey caKey,
            PrivateKey exportSigningKey,
            PublicKey exportSigningPublicKey) {}

    private PeerJoin() {}

    /**
     * Writes the material into {@code dataDir}, refusing a directory that already holds a PKI or a
     * database (a node that ran is not joined again: its data would not be the cluster's).
     */
    public static void install(Path dataDir, Material material, Instant at) throws IOException {
        Path pki = dataDir.resolve("pki");
        for (Path existing : new Path[] {pki.resolve("ca.pem"), Database.file(dataDir), dataDir.resolve(MARKER)}) {
            if (Files.exists(existing)) {
                throw new IOException(dataDir + " is not empty (" + existing.getFileName()
                        + " exists): a peer joins with an empty data directory; move this one aside first");
            }
        }
        Files.createDirectories(pki);
        PemFiles.writePrivate(pki.resolve("ca.key"), material.caKey());
        PemFiles.writePublic(pki.resolve("ca.pem"), material.ca());
        PemFiles.writePrivate(pki.resolve("export-signing.key"), material.exportSigningKey());
        PemFiles.writePublic(pki.resolve("export-signing.pub"), material.exportSigningPublicKey());
        Map<String, String> marker = new LinkedHashMap<>();
        marker.put("cluster", material.cluster());
        marker.put("name", material.name());
        marker.put("joinedFrom", material.joinedFrom());
        marker.put("at", at.toString());
        // Last: a join cut short leaves no marker, and the next attempt finds the keys and says so.
        DurableFiles.write(
                dataDir.resolve(MARKER), Jackson.MAPPER.writeValueAsBytes(marker), DurableFiles.readable(), false);
    }
}
