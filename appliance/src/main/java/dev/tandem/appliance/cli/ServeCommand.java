package dev.tandem.appliance.cli;

import dev.tandem.appliance.Appliance;
import dev.tandem.appliance.ApplianceConfig;
import dev.tandem.appliance.ListeningPorts;
import dev.tandem.appliance.ShutdownLogManager;
import dev.tandem.xds.model.InvalidConfigException;
import io.helidon.logging.common.LogConfig;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tandem serve}: runs the appliance until SIGTERM or SIGINT. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = "Run the appliance: xDS server, admin API and store.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ApplianceConfigOption config;

    @Override
    public Integer call() throws Exception {
        LogConfig.configureRuntime();
        Optional<ApplianceConfig> loaded = config.load();
        if (loaded.isEmpty()) {
            return TandemCommand.FAILED;
        }
        ApplianceConfig settings = loaded.get();
        Appliance appliance;
        try {
            appliance = Appliance.start(settings);
        } catch (InvalidConfigException e) {
            System.err.println("tandem serve: the initial gateway config is invalid:");
            e.errors().forEach(error -> System.err.println("  " + error));
            return TandemCommand.FAILED;
        } catch (Exception e) {
            // Port in use, data directory locked by another appliance or not writable, ...
            System.err.println("tandem serve: cannot start: " + describe(e));
            return TandemCommand.FAILED;
        }
        try {
            new ListeningPorts(ProcessHandle.current().pid(), appliance.adminPort(), appliance.xdsPort())
                    .write(settings.dataDir());
        } catch (IOException e) {
            appliance.close();
            System.err.println(
                    "tandem serve: cannot write " + ListeningPorts.file(settings.dataDir()) + ": " + describe(e));
            return TandemCommand.FAILED;
        }
        SystemdNotify.ready("serving on xDS port " + appliance.xdsPort() + ", admin API port " + appliance.adminPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            SystemdNotify.stopping();
                            try {
                                ListeningPorts.remove(settings.dataDir());
                            } catch (IOException e) {
                                System.err.println("tandem serve: cannot remove "
                                        + ListeningPorts.file(settings.dataDir()) + ": " + describe(e));
                            }
                            appliance.close();
                            stopped.countDown();
                            ShutdownLogManager.resetAfterShutdown();
                        },
                        "tandem-shutdown"));
        stopped.await();
        return 0;
    }

    /** Tandem's own messages are complete sentences; anything else gets its first cause with a message. */
    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage().lines().findFirst().orElse(t.getMessage());
            }
        }
        return e.toString();
    }
}
