package dev.tandem.appliance.api;

import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.auth.IssuedCertificates;
import dev.tandem.appliance.auth.JoinTokens;
import dev.tandem.appliance.auth.Role;
import dev.tandem.appliance.export.ExportPipeline;
import dev.tandem.appliance.export.Exporter;
import dev.tandem.appliance.metrics.TandemMetrics;
import dev.tandem.appliance.peers.PeerDirectory;
import dev.tandem.appliance.pki.ClusterPki;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.Database;
import dev.tandem.appliance.store.RevisionStore;
import dev.tandem.appliance.store.TestLogs;
import dev.tandem.appliance.testing.TestPki;
import dev.tandem.xds.serve.XdsService;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The admin API over the appliance's real parts, as {@code Appliance.start} wires them, without its
 * servers: an H2 database in a temporary folder, the revision service publishing to an xDS service
 * that no data plane connects to, the cluster PKI (the test CA), and export to a folder. Holds a token
 * of each role: the initial admin token the appliance writes, and {@code viewer} and {@code operator}.
 */
final class AdminApiFixture implements AutoCloseable {

    static final String NODE = "routes-test";

    private final Path dir;
    private final Database database;
    private final XdsService xds;
    private final RevisionWriter revisions;
    private final ExportPipeline export;
    private final TandemMetrics metrics;
    private final AdminApi.Dependencies dependencies;
    private final Map<Role, String> tokens;

    private AdminApiFixture(
            Path dir,
            Database database,
            XdsService xds,
            RevisionWriter revisions,
            ExportPipeline export,
            TandemMetrics metrics,
            AdminApi.Dependencies dependencies,
            Map<Role, String> tokens) {
        this.dir = dir;
        this.database = database;
        this.xds = xds;
        this.revisions = revisions;
        this.export = export;
        this.metrics = metrics;
        this.dependencies = dependencies;
        this.tokens = tokens;
    }

    /**
     * @param clock the time of everything the API and the revision, xDS and export services record;
     *              the certificates of the PKI are issued at the real time, which the test CA's validity needs
     */
    static AdminApiFixture start(Clock clock) throws Exception {
        Path dir = Files.createTempDirectory("tandem-admin-api");
        Path dataDir = dir.resolve("data");
        ApplianceConfig config = new ApplianceConfig(
                        NODE,
                        dataDir,
                        new ApplianceConfig.Endpoint("127.0.0.1", 9090),
                        new ApplianceConfig.Endpoint("127.0.0.1", 18000),
                        Optional.empty())
                .withPki(TestPki.settings(NODE));
        Database database = Database.open(dataDir);
        ClusterPki pki = ClusterPki.loadOrCreate(config.pkiDir(), config.pki(), Instant.now());
        RevisionStore store = new RevisionStore(database);
        AuditLog audit = TestLogs.auditLog(database);
        AdminTokens tokens = new AdminTokens(database);
        Path tokenFile = dataDir.resolve("admin-token");
        tokens.createInitialAdmin(audit, tokenFile, clock.instant());
        Map<Role, String> held = new EnumMap<>(Role.class);
        held.put(Role.ADMIN, Files.readString(tokenFile).trim());
        for (Role role : List.of(Role.VIEWER, Role.OPERATOR)) {
            String name = role.spelling();
            held.put(role, TestLogs.write(database, c -> tokens.create(c, name, role, "fixture", clock.instant())));
        }
        XdsService xds = new XdsService(clock);
        RevisionWriter revisions = new RevisionWriter(store, audit, xds, clock, UnaryOperator.identity());
        ExportPipeline export = ExportPipeline.open(config.export(), pki.exportSigningKey(), NODE, Map.of(), clock)
                .orElseThrow();
        Exporter exporter = export.exporter();
        // A standalone node exports from the start of its epoch on (the appliance's peer node says when).
        exporter.start(TestLogs.node(database).view().epoch());
        revisions.afterPublish(exporter::offer);
        revisions.start(Optional.empty()).get(10, TimeUnit.SECONDS);
        TandemMetrics metrics = new TandemMetrics(xds, revisions);
        metrics.export(exporter);
        AdminApi.Dependencies dependencies = new AdminApi.Dependencies(
                config,
                revisions,
                store,
                audit,
                tokens,
                new JoinTokens(),
                pki,
                new IssuedCertificates(database),
                xds,
                Optional.of(exporter),
                metrics,
                () -> true,
                TestLogs.node(database),
                PeerDirectory.alone(NODE),
                clock);
        return new AdminApiFixture(dir, database, xds, revisions, export, metrics, dependencies, held);
    }

    /** The admin API's routes, as the appliance registers them. */
    void routing(HttpRouting.Builder routing) {
        AdminApi.routing(routing, dependencies);
    }

    /** The same, every route recorded in {@code routes} as well. */
    void routing(HttpRouting.Builder routing, RouteTable routes) {
        AdminApi.routing(routing, dependencies, routes);
    }

    /** A token of {@code role}, named after it (the admin's is {@code initial-admin}). */
    String token(Role role) {
        return tokens.get(role);
    }

    /** The data folder; it is a new temporary one for each fixture. */
    Path dataDir() {
        return dir.resolve("data");
    }

    /** Drops {@code table} under the API: every call that reads it fails from now on. */
    void dropTable(String table) throws SQLException {
        database.write(c -> {
            try (Statement drop = c.createStatement()) {
                return drop.execute("DROP TABLE " + table);
            }
        });
    }

    @Override
    public void close() {
        export.close();
        revisions.close();
        xds.close();
        metrics.close();
        database.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
