package dev.tandem.xds.model;

/**
 * A certificate authority or a certificate with its private key, served to Envoy by SDS. The PEM is
 * either written in the config or read from a file on the appliance host ({@code *File}); the appliance
 * reads files before translation, so the translation itself stays pure.
 *
 * <p>{@link #toString()} never shows the private key.
 *
 * @param caPem          CA: the trusted certificates
 * @param certificatePem CERTIFICATE: the chain, leaf first
 * @param privateKeyPem  CERTIFICATE: the key (PKCS#8, PKCS#1 or SEC1 PEM)
 */
public record Secret(
        String name,
        SecretType type,
        String caPem,
        String caFile,
        String certificatePem,
        String certificateFile,
        String privateKeyPem,
        String privateKeyFile)
        implements Document {

    public enum SecretType {
        /** Trusted CA certificates, to validate the other side. */
        CA,
        /** A certificate chain and its private key, to present. */
        CERTIFICATE
    }

    @Override
    public Kind kind() {
        return Kind.Secret;
    }

    /** The same secret with file contents read in. */
    public Secret withPem(String ca, String certificate, String privateKey) {
        return new Secret(name, type, ca, caFile, certificate, certificateFile, privateKey, privateKeyFile);
    }

    @Override
    public String toString() {
        return "Secret[name=" + name + ", type=" + type + ", privateKey="
                + (privateKeyPem.isEmpty() && privateKeyFile.isEmpty() ? "none" : "(redacted)") + "]";
    }
}
