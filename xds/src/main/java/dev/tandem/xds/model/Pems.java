package dev.tandem.xds.model;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a secret's PEM before it can reach Envoy: certificates must parse as X.509; a private key
 * must be one PEM private-key block. Messages never quote key material.
 */
public final class Pems {

    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "\\s*-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----[A-Za-z0-9+/=\\s]+-----END (RSA |EC |ENCRYPTED )?PRIVATE KEY-----\\s*");

    private Pems() {}

    /** Checks what is inline; files are checked once the appliance has read them. */
    static void check(Secret s, List<ConfigError> errors) {
        if (!s.caPem().isEmpty()) {
            certificates(s.caPem()).ifPresent(problem -> errors.add(new ConfigError(s.label(), "spec.caPem", problem)));
        }
        if (!s.certificatePem().isEmpty()) {
            certificates(s.certificatePem())
                    .ifPresent(problem -> errors.add(new ConfigError(s.label(), "spec.certificatePem", problem)));
        }
        if (!s.privateKeyPem().isEmpty()) {
            privateKey(s.privateKeyPem())
                    .ifPresent(problem -> errors.add(new ConfigError(s.label(), "spec.privateKeyPem", problem)));
        }
    }

    /** Why {@code pem} is not one or more X.509 certificates, or empty. */
    public static Optional<String> certificates(String pem) {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            return Optional.of("is not a PEM certificate (no BEGIN CERTIFICATE block)");
        }
        try {
            var certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            return certs.isEmpty() ? Optional.of("holds no certificate") : Optional.empty();
        } catch (CertificateException e) {
            return Optional.of("is not a valid X.509 certificate: " + e.getMessage());
        }
    }

    /** Why {@code pem} is not a PEM private key, or empty; never quotes it. */
    public static Optional<String> privateKey(String pem) {
        if (pem.contains("ENCRYPTED PRIVATE KEY")) {
            return Optional.of("is an encrypted private key; Envoy needs it unencrypted (keep the file 0600)");
        }
        return PRIVATE_KEY.matcher(pem).matches()
                ? Optional.empty()
                : Optional.of("is not a single PEM private key block (PKCS#8, RSA or EC)");
    }
}
