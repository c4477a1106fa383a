package dev.tandem.xds.model;

/**
 * Reads the {@code spec} of a {@code Secret} document: its type and, for each PEM it needs, the PEM
 * inline or the absolute path of a file on the appliance host. The PEM itself is checked by {@link Pems}.
 */
final class SecretReader {

    /** Room for a bundle of a few hundred CA certificates (a public CA bundle is about 220 KB). */
    private static final int MAX_PEM = 1024 * 1024;

    private SecretReader() {}

    static Secret read(String name, YamlFields spec) {
        Secret.SecretType type = spec.choice("type", Secret.SecretType.CA);
        if (!spec.has("type")) {
            spec.error("type", "is required (CA or CERTIFICATE)");
        }
        PemSource ca = pemOrFile(spec, "ca", type == Secret.SecretType.CA);
        PemSource cert = pemOrFile(spec, "certificate", type == Secret.SecretType.CERTIFICATE);
        PemSource key = pemOrFile(spec, "privateKey", type == Secret.SecretType.CERTIFICATE);
        return new Secret(name, type, ca.pem(), ca.file(), cert.pem(), cert.file(), key.pem(), key.file());
    }

    /** One PEM of a secret: inline, or a file to read; empty strings for what is not given. */
    private record PemSource(String pem, String file) {}

    /** {@code <field>Pem} or {@code <field>File}: exactly one when {@code wanted}, neither otherwise. */
    private static PemSource pemOrFile(YamlFields spec, String field, boolean wanted) {
        String pem = spec.string(field + "Pem", "", MAX_PEM);
        String file = spec.string(field + "File", "");
        boolean given = !pem.isEmpty() || !file.isEmpty();
        if (wanted && !pem.isEmpty() && !file.isEmpty()) {
            spec.error(field + "Pem", "and " + field + "File are both given; use one");
        } else if (wanted && !given) {
            spec.error(field + "Pem", "or " + field + "File is required");
        } else if (!wanted && given) {
            spec.error(pem.isEmpty() ? field + "File" : field + "Pem", "does not belong to this type of secret");
        }
        if (!file.isEmpty() && !file.startsWith("/")) {
            spec.error(field + "File", "'" + file + "' must be an absolute path on the appliance host");
        }
        return new PemSource(pem, file);
    }
}
