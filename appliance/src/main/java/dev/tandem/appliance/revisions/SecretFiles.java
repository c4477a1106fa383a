package dev.tandem.appliance.revisions;

import dev.tandem.xds.model.ConfigError;
import dev.tandem.xds.model.ConfigLoader;
import dev.tandem.xds.model.ConfigPositions;
import dev.tandem.xds.model.GatewayConfig;
import dev.tandem.xds.model.InvalidConfigException;
import dev.tandem.xds.model.Pems;
import dev.tandem.xds.model.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the PEM files that secrets name on this host ({@code caFile}, {@code certificateFile},
 * {@code privateKeyFile}) into the config, and checks them as inline PEM is checked. Done on every
 * apply and start, so a renewed certificate file is served by the next apply. Messages name the file
 * and never quote its content.
 */
public final class SecretFiles {

    private SecretFiles() {}

    /**
     * Loads {@code yaml} and reads its secret files in: what an apply, a restore and {@code tandem check}
     * accept. Every error has its place in {@code yaml} where one applies, a secret file's too.
     *
     * @throws InvalidConfigException with every error of the config
     */
    public static GatewayConfig load(String yaml) throws InvalidConfigException {
        try {
            return resolve(ConfigLoader.load(yaml));
        } catch (InvalidConfigException e) {
            throw ConfigPositions.locate(yaml, e);
        }
    }

    public static GatewayConfig resolve(GatewayConfig config) throws InvalidConfigException {
        List<ConfigError> errors = new ArrayList<>();
        List<Secret> resolved = new ArrayList<>();
        for (Secret s : config.secrets()) {
            String ca = read(s, "spec.caFile", s.caFile(), s.caPem(), false, errors);
            String cert = read(s, "spec.certificateFile", s.certificateFile(), s.certificatePem(), false, errors);
            String key = read(s, "spec.privateKeyFile", s.privateKeyFile(), s.privateKeyPem(), true, errors);
            resolved.add(s.withPem(ca, cert, key));
        }
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return config.withSecrets(resolved);
    }

    private static String read(
            Secret s, String field, String file, String inline, boolean privateKey, List<ConfigError> errors) {
        if (file.isEmpty()) {
            return inline;
        }
        String pem;
        try {
            pem = Files.readString(Path.of(file));
        } catch (IOException e) {
            errors.add(new ConfigError(
                    s.label(),
                    field,
                    "'" + file + "' cannot be read on this host: "
                            + e.getClass().getSimpleName()));
            return "";
        }
        Optional<String> problem = privateKey ? Pems.privateKey(pem) : Pems.certificates(pem);
        problem.ifPresent(p -> errors.add(new ConfigError(s.label(), field, "'" + file + "' " + p)));
        return pem;
    }
}
