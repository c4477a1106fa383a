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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads the PEM files that secrets name ({@code caFile}, {@code certificateFile},
 * {@code privateKeyFile}) into the config, and checks them as inline PEM is checked. An apply reads
 * them on this host ({@link #HOST}), so a renewed certificate file is served by the next apply; the
 * revision keeps what was read ({@link #contents}), and a start or a restore reads them from there
 * ({@link #stored}), so a revision is always served with the bytes it was applied with. Messages name
 * the file and never quote its content.
 */
public final class SecretFiles {

    /** Where the files are read from. */
    public interface Source {

        String read(String path) throws IOException;

        /** How a message says where, after "cannot be read": {@code on this host}. */
        String where();
    }

    /** The files on this host, as they are now. */
    public static final Source HOST = new Source() {
        @Override
        public String read(String path) throws IOException {
            return Files.readString(Path.of(path));
        }

        @Override
        public String where() {
            return "on this host";
        }
    };

    private SecretFiles() {}

    /** The files kept with revision {@code revision} ({@link #contents} when it was applied). */
    public static Source stored(Map<String, String> files, long revision) {
        return new Source() {
            @Override
            public String read(String path) throws IOException {
                String content = files.get(path);
                if (content == null) {
                    throw new NoSuchFileException(path);
                }
                return content;
            }

            @Override
            public String where() {
                return "from what revision " + revision + " kept";
            }
        };
    }

    /** {@link #load(String, Source)} from this host's files: what an apply and {@code tandem check} accept. */
    public static GatewayConfig load(String yaml) throws InvalidConfigException {
        return load(yaml, HOST);
    }

    /**
     * Loads {@code yaml} and reads its secret files in from {@code source}. Every error has its place
     * in {@code yaml} where one applies, a secret file's too.
     *
     * @throws InvalidConfigException with every error of the config
     */
    public static GatewayConfig load(String yaml, Source source) throws InvalidConfigException {
        try {
            return resolve(ConfigLoader.load(yaml), source);
        } catch (InvalidConfigException e) {
            throw ConfigPositions.locate(yaml, e);
        }
    }

    public static GatewayConfig resolve(GatewayConfig config) throws InvalidConfigException {
        return resolve(config, HOST);
    }

    public static GatewayConfig resolve(GatewayConfig config, Source source) throws InvalidConfigException {
        List<ConfigError> errors = new ArrayList<>();
        List<Secret> resolved = new ArrayList<>();
        for (Secret s : config.secrets()) {
            String ca = read(s, "spec.caFile", s.caFile(), s.caPem(), false, source, errors);
            String cert =
                    read(s, "spec.certificateFile", s.certificateFile(), s.certificatePem(), false, source, errors);
            String key = read(s, "spec.privateKeyFile", s.privateKeyFile(), s.privateKeyPem(), true, source, errors);
            resolved.add(s.withPem(ca, cert, key));
        }
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return config.withSecrets(resolved);
    }

    /** What a {@link #resolve resolved} config's Secrets read from files, by path: what a revision keeps. */
    public static SortedMap<String, String> contents(GatewayConfig resolved) {
        SortedMap<String, String> out = new TreeMap<>();
        for (Secret s : resolved.secrets()) {
            keep(out, s.caFile(), s.caPem());
            keep(out, s.certificateFile(), s.certificatePem());
            keep(out, s.privateKeyFile(), s.privateKeyPem());
        }
        return out;
    }

    private static void keep(SortedMap<String, String> out, String file, String pem) {
        if (!file.isEmpty()) {
            out.put(file, pem);
        }
    }

    private static String read(
            Secret s,
            String field,
            String file,
            String inline,
            boolean privateKey,
            Source source,
            List<ConfigError> errors) {
        if (file.isEmpty()) {
            return inline;
        }
        String pem;
        try {
            pem = source.read(file);
        } catch (IOException e) {
            errors.add(new ConfigError(
                    s.label(),
                    field,
                    "'" + file + "' cannot be read " + source.where() + ": "
                            + e.getClass().getSimpleName()));
            return "";
        }
        Optional<String> problem = privateKey ? Pems.privateKey(pem) : Pems.certificates(pem);
        problem.ifPresent(p -> errors.add(new ConfigError(s.label(), field, "'" + file + "' " + p)));
        return pem;
    }
}
