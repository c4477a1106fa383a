package dev.tandem.appliance.testing;

import dev.tandem.appliance.Appliance;
import dev.tandem.appliance.ApplianceConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An appliance started in the test's JVM on loopback, with its data in a test folder; it can be
 * stopped and started again on the same data, as an operator restarts one. A port given as 0 is
 * chosen anew at each start (the one bound before is in the ephemeral range: an outgoing connection
 * may take it while the appliance is stopped); a test that needs the same port after a restart
 * gives one from {@link Ports}, and {@link #admin()} follows the admin port.
 */
public final class RunningAppliance implements AutoCloseable {

    private final ApplianceConfig config;
    private Appliance appliance;
    private AdminHttp admin;

    private RunningAppliance(ApplianceConfig config) {
        this.config = config;
    }

    /** On free ports chosen by the servers. */
    public static RunningAppliance start(String nodeId, Path dir) throws Exception {
        return start(nodeId, dir, 0);
    }

    /** On a free admin port chosen by the server, and {@code xdsPort} (0: one chosen by the server too). */
    public static RunningAppliance start(String nodeId, Path dir, int xdsPort) throws Exception {
        RunningAppliance running = new RunningAppliance(new ApplianceConfig(
                        nodeId,
                        dir.resolve("data"),
                        new ApplianceConfig.Endpoint("127.0.0.1", 0),
                        new ApplianceConfig.Endpoint("127.0.0.1", xdsPort),
                        Optional.empty())
                .withPki(TestPki.settings(nodeId)));
        running.start();
        return running;
    }

    /** With a config of the test's own (it should use {@link TestPki#settings}). */
    public static RunningAppliance start(ApplianceConfig config) throws Exception {
        RunningAppliance running = new RunningAppliance(config);
        running.start();
        return running;
    }

    public void start() throws Exception {
        appliance = Appliance.start(config);
        admin = AdminHttp.withTokenFrom(appliance.adminPort(), config.dataDir());
    }

    /** Stops it; stopping a stopped appliance does nothing. */
    public void stop() {
        if (appliance != null) {
            appliance.close();
            appliance = null;
        }
    }

    public void restart() throws Exception {
        stop();
        start();
    }

    public AdminHttp admin() {
        return admin;
    }

    public Path dataDir() {
        return config.dataDir();
    }

    /** The admin token file the appliance wrote on first start. */
    public Path tokenFile() {
        return config.dataDir().resolve("admin-token");
    }

    public int xdsPort() {
        return appliance.xdsPort();
    }

    @Override
    public void close() {
        stop();
    }
}
