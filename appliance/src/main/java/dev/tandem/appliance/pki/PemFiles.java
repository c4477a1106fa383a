package dev.tandem.appliance.pki;

import dev.tandem.appliance.store.DurableFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * PEM files of the PKI. Keys are created with mode 0600 before a byte is written, so there is no
 * moment at which another user could read them; they are never replaced in place. Both are written
 * durably ({@link DurableFiles}): a power loss at first start leaves no empty or torn key.
 */
public final class PemFiles {

    private PemFiles() {}

    public static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM to memory cannot fail", e);
        }
        return out.toString();
    }

    /** Writes a certificate or public key, readable by all (0644). */
    public static void writePublic(Path file, Object object) throws IOException {
        DurableFiles.write(file, pem(object).getBytes(StandardCharsets.US_ASCII), DurableFiles.readable(), false);
    }

    /** Replaces a certificate atomically (0644): a crash leaves the old one or the new one. */
    public static void replacePublic(Path file, Object object) throws IOException {
        DurableFiles.write(file, pem(object).getBytes(StandardCharsets.US_ASCII), DurableFiles.readable(), true);
    }

    /** Writes a private key as PKCS#8 PEM, readable by its owner only (0600), refusing to overwrite one. */
    public static void writePrivate(Path file, PrivateKey key) throws IOException {
        DurableFiles.write(file, privatePem(key).getBytes(StandardCharsets.US_ASCII), DurableFiles.ownerOnly(), false);
    }

    /** A private key as PKCS#8 PEM text, as {@link #writePrivate} writes it (for {@code peer join}'s answer). */
    public static String privatePem(PrivateKey key) {
        return pem(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    public static X509Certificate readCertificate(Path file) throws IOException {
        return certificate(Files.readString(file), file.toString());
    }

    /** Reads a PKCS#8, PKCS#1 (RSA) or SEC1 (EC) private key; the message never quotes the file. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        return privateKey(Files.readString(file), file.toString());
    }

    public static PublicKey readPublicKey(Path file) throws IOException {
        return publicKey(Files.readString(file), file.toString());
    }

    /** @param source what the text is, for the message ({@code file}, or an answer's field) */
    public static X509Certificate certificate(String text, String source) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object object = parser.readObject();
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new IOException(source + " holds no PEM certificate");
            }
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IOException(source + " holds an unreadable certificate: " + e.getMessage(), e);
        }
    }

    /** The message never quotes the text: it is a secret. */
    public static PrivateKey privateKey(String text, String source) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IOException(source + " holds no unencrypted PEM private key");
        }
    }

    public static PublicKey publicKey(String text, String source) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object object = parser.readObject();
            if (object instanceof SubjectPublicKeyInfo info) {
                return new JcaPEMKeyConverter().getPublicKey(info);
            }
            throw new IOException(source + " holds no PEM public key");
        }
    }
}
