package dev.tandem.appliance.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * The appliance's PKI in {@code <dataDir>/pki}: the cluster CA, this node's server certificate (also
 * its client certificate towards peers) and the key that signs exports. What is missing is created on
 * first use; what exists is loaded and never replaced, with one exception: a server certificate the
 * appliance issued itself without this node's peer identity ({@link PeerIdentity}, ADR 0014 §4.2: a
 * node of an earlier version, or one renamed) is reissued by the CA for the same key. An operator may
 * bring the CA and the server certificate instead (files named in the config); a brought certificate
 * is never replaced, and without the peer identity this node cannot peer ({@link #requirePeerIdentity}).
 */
public final class ClusterPki {

    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SERVER_VALIDITY = Duration.ofDays(825);

    private final CertificateAuthority ca;
    private final X509Certificate serverCertificate;
    private final PrivateKey serverKey;
    private final KeyPair exportSigningKey;
    private final List<String> created;
    private final Optional<PeerIdentity> peerIdentity;
    /** Why this node cannot peer, when it cannot. */
    private final Optional<String> peerProblem;

    private ClusterPki(
            CertificateAuthority ca,
            X509Certificate serverCertificate,
            PrivateKey serverKey,
            KeyPair exportSigningKey,
            List<String> created,
            Optional<PeerIdentity> peerIdentity,
            Optional<String> peerProblem) {
        this.ca = ca;
        this.serverCertificate = serverCertificate;
        this.serverKey = serverKey;
        this.exportSigningKey = exportSigningKey;
        this.created = List.copyOf(created);
        this.peerIdentity = peerIdentity;
        this.peerProblem = peerProblem;
    }

    /**
     * Loads the PKI from {@code dir}, creating what is missing.
     *
     * @throws IOException naming the file, when a file is unreadable, half a pair is missing, or the
     *                     server certificate was not issued by the CA
     */
    public static ClusterPki loadOrCreate(Path dir, PkiSettings settings, Instant now) throws IOException {
        Files.createDirectories(dir);
        List<String> created = new ArrayList<>();
        CertificateAuthority ca;
        if (settings.caCertFile().isPresent() || settings.caKeyFile().isPresent()) {
            ca = new CertificateAuthority(
                    PemFiles.readCertificate(required(settings.caCertFile(), "pki.caCertFile")),
                    PemFiles.readPrivateKey(required(settings.caKeyFile(), "pki.caKeyFile")));
        } else if (pair(dir.resolve("ca.pem"), dir.resolve("ca.key"))) {
            ca = new CertificateAuthority(
                    PemFiles.readCertificate(dir.resolve("ca.pem")), PemFiles.readPrivateKey(dir.resolve("ca.key")));
        } else {
            ca = CertificateAuthority.create(settings.clusterName(), CA_VALIDITY, now);
            PemFiles.writePrivate(dir.resolve("ca.key"), ca.key());
            PemFiles.writePublic(dir.resolve("ca.pem"), ca.certificate());
            created.add("cluster CA " + fingerprint(ca.certificate()));
        }
        checkKeyMatches(ca.certificate(), ca.key(), "the CA");

        X509Certificate serverCert;
        PrivateKey serverKey;
        Optional<PeerIdentity> peer = settings.peerIdentity();
        boolean brought = settings.serverCertFile().isPresent()
                || settings.serverKeyFile().isPresent();
        if (brought) {
            serverCert = PemFiles.readCertificate(required(settings.serverCertFile(), "pki.serverCertFile"));
            serverKey = PemFiles.readPrivateKey(required(settings.serverKeyFile(), "pki.serverKeyFile"));
        } else if (pair(dir.resolve("server.pem"), dir.resolve("server.key"))) {
            serverCert = PemFiles.readCertificate(dir.resolve("server.pem"));
            serverKey = PemFiles.readPrivateKey(dir.resolve("server.key"));
        } else {
            KeyPair pair = CertificateAuthority.newKeyPair();
            serverCert = issueServer(ca, pair.getPublic(), settings, now);
            serverKey = pair.getPrivate();
            PemFiles.writePrivate(dir.resolve("server.key"), serverKey);
            PemFiles.writePublic(dir.resolve("server.pem"), serverCert);
            created.add("server certificate for " + names(settings));
        }
        checkKeyMatches(serverCert, serverKey, "the server certificate");
        try {
            serverCert.verify(ca.certificate().getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IOException(
                    "the server certificate was not issued by the cluster CA (" + e.getMessage() + ")", e);
        }
        if (!brought && peer.isPresent() && !carries(serverCert, peer.get())) {
            // Issued by this appliance before it knew peers, or under another node name: the CA is here, so the
            // node issues itself the certificate it needs. The key stays: only server.pem is replaced, atomically.
            X509Certificate before = serverCert;
            serverCert = issueServer(ca, before.getPublicKey(), settings, now);
            PemFiles.replacePublic(dir.resolve("server.pem"), serverCert);
            created.add("server certificate for " + names(settings) + " (same key), replacing serial "
                    + DataPlaneIdentity.serial(before) + " that "
                    + PeerIdentity.of(before)
                            .map(other -> "named another peer identity, " + other.uri())
                            .orElse("carried no peer identity"));
        }
        X509Certificate issued = serverCert;
        Optional<PeerIdentity> peerIdentity = peer.filter(p -> carries(issued, p));
        Optional<String> peerProblem =
                peerIdentity.isPresent() ? Optional.empty() : Optional.of(peerProblem(settings, issued));

        KeyPair exportKey;
        if (pair(dir.resolve("export-signing.pub"), dir.resolve("export-signing.key"))) {
            exportKey = new KeyPair(
                    PemFiles.readPublicKey(dir.resolve("export-signing.pub")),
                    PemFiles.readPrivateKey(dir.resolve("export-signing.key")));
        } else {
            exportKey = ed25519();
            PemFiles.writePrivate(dir.resolve("export-signing.key"), exportKey.getPrivate());
            PemFiles.writePublic(dir.resolve("export-signing.pub"), exportKey.getPublic());
            created.add("export-signing key (Ed25519)");
        }
        return new ClusterPki(ca, serverCert, serverKey, exportKey, created, peerIdentity, peerProblem);
    }

    public CertificateAuthority ca() {
        return ca;
    }

    public X509Certificate serverCertificate() {
        return serverCertificate;
    }

    public PrivateKey serverKey() {
        return serverKey;
    }

    public KeyPair exportSigningKey() {
        return exportSigningKey;
    }

    /**
     * This node's peer identity, which its server certificate carries; empty when it carries none
     * for this cluster and node name (a brought certificate without it), or the node name cannot be one.
     */
    public Optional<PeerIdentity> peerIdentity() {
        return peerIdentity;
    }

    /**
     * This node's peer identity, for a node that is to peer.
     *
     * @throws IOException saying why this node cannot peer and what to do about it
     */
    public PeerIdentity requirePeerIdentity() throws IOException {
        if (peerIdentity.isEmpty()) {
            throw new IOException(peerProblem.orElseThrow());
        }
        return peerIdentity.get();
    }

    /** What this call created (empty when everything existed), for the log. */
    public List<String> created() {
        return created;
    }

    /** SHA-256 of the DER certificate, as {@code openssl x509 -fingerprint -sha256} prints it. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return "SHA256:" + HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate issueServer(
            CertificateAuthority ca, PublicKey holder, PkiSettings settings, Instant now) {
        return ca.issue(
                holder,
                settings.serverNames().isEmpty()
                        ? "tandem"
                        : settings.serverNames().get(0),
                subjectAltNames(settings),
                SERVER_VALIDITY,
                now,
                true,
                true);
    }

    private static List<GeneralName> subjectAltNames(PkiSettings settings) {
        List<GeneralName> names = new ArrayList<>();
        settings.serverNames().forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        settings.serverAddresses().forEach(a -> names.add(new GeneralName(GeneralName.iPAddress, a)));
        settings.peerIdentity().ifPresent(peer -> names.add(peer.subjectAltName()));
        return names;
    }

    /** For the log: what a server certificate issued with {@code settings} answers to. */
    private static String names(PkiSettings settings) {
        return settings.serverNames() + " " + settings.serverAddresses()
                + settings.peerIdentity().map(peer -> " " + peer.uri()).orElse("");
    }

    private static boolean carries(X509Certificate certificate, PeerIdentity peer) {
        return PeerIdentity.of(certificate).filter(peer::equals).isPresent();
    }

    private static String peerProblem(PkiSettings settings, X509Certificate certificate) {
        Optional<PeerIdentity> wanted = settings.peerIdentity();
        if (wanted.isEmpty()) {
            return "this node cannot peer: its cluster name '" + settings.clusterName() + "' and node name '"
                    + settings.nodeName() + "' (pki.clusterName, node.id) must be letters, digits, '.', '_' and '-' "
                    + "(at most 128, starting with a letter or digit) to form its peer identity spiffe://<cluster>/peer/<name>";
        }
        String file = settings.serverCertFile().map(Path::toString).orElse("the server certificate");
        return "this node cannot peer: " + file + " (pki.serverCertFile, " + CertificateTrust.describe(certificate)
                + ") carries "
                + PeerIdentity.of(certificate)
                        .map(other -> "the peer identity " + other.uri() + ", not ")
                        .orElse("no URI SAN ")
                + wanted.get().uri() + "; issue it with that URI SAN from the cluster CA, or remove "
                + "pki.serverCertFile and pki.serverKeyFile to have this node issue its own";
    }

    /** Both files, neither, or an error: half a pair is never completed by overwriting. */
    private static boolean pair(Path first, Path second) throws IOException {
        boolean a = Files.exists(first);
        boolean b = Files.exists(second);
        if (a != b) {
            throw new IOException((a ? second : first) + " is missing while " + (a ? first : second)
                    + " exists; restore it or remove both to create new ones");
        }
        return a;
    }

    private static Path required(Optional<Path> file, String key) throws IOException {
        return file.orElseThrow(() -> new IOException(key + " is required when its pair is given"));
    }

    private static void checkKeyMatches(X509Certificate cert, PrivateKey key, String what) throws IOException {
        try {
            Signature sign = Signature.getInstance(
                    key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm());
            sign.initSign(key);
            byte[] probe = "tandem".getBytes(StandardCharsets.US_ASCII);
            sign.update(probe);
            byte[] signature = sign.sign();
            sign.initVerify(cert.getPublicKey());
            sign.update(probe);
            if (!sign.verify(signature)) {
                throw new IOException("the private key of " + what + " does not belong to its certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot check the key of " + what + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK 15+ has Ed25519", e);
        }
    }
}
