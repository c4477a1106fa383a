package dev.tandem.appliance.testing;

import dev.tandem.appliance.Appliance;
import dev.tandem.appliance.ApplianceConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An appliance started in the test's JVM on loopback, with its data in a test folder; it can be
 * stopped and started again on the same ports and data, as an operator restarts one.
 */
public final class RunningAppliance implements AutoCloseable {

    private ApplianceConfig config;
    private Appliance appliance;
    private AdminHttp admin;

    private RunningAppliance(ApplianceConfig config) {
        this.config = config;
    }

    /** On free ports chosen by the servers. */
    public static RunningAppliance start(String nodeId, Path dir) throws Exception {
        return start(nodeId, dir, 0, 0);
    }

    public static RunningAppliance start(String nodeId, Path dir, int adminPort, int xdsPort) throws Exception {
        RunningAppliance running = new RunningAppliance(new ApplianceConfig(nodeId, dir.resolve("data"),
                new ApplianceConfig.Endpoint("127.0.0.1", adminPort), new ApplianceConfig.Endpoint("127.0.0.1", xdsPort),
                Optional.empty()).withPki(TestPki.settings(nodeId)));
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
        // A restart keeps the ports the servers picked the first time, as a real restart would.
        config = config.withPorts(appliance.adminPort(), appliance.xdsPort());
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
