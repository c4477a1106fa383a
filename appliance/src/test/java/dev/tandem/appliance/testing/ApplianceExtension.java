package dev.tandem.appliance.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh appliance for every test, on free loopback ports, with its data in a temporary folder
 * that is deleted afterwards: {@code @RegisterExtension final ApplianceExtension node = new ApplianceExtension("x");}.
 */
public final class ApplianceExtension implements BeforeEachCallback, AfterEachCallback {

    private final String nodeId;
    private String initialConfig;
    private Path dir;
    private RunningAppliance appliance;

    public ApplianceExtension(String nodeId) {
        this.nodeId = nodeId;
    }

    /** A gateway config applied (as revision 1) before each test. */
    public ApplianceExtension applying(String yaml) {
        this.initialConfig = yaml;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("tandem-" + nodeId);
        appliance = RunningAppliance.start(nodeId, dir);
        if (initialConfig != null) {
            AdminHttp.Reply reply = appliance.admin().post("/api/v1/apply", initialConfig);
            if (reply.status() != 201) {
                throw new IllegalStateException("the test's config was refused: " + reply.body());
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        appliance.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public RunningAppliance appliance() {
        return appliance;
    }

    public AdminHttp admin() {
        return appliance.admin();
    }

    public Path tokenFile() {
        return appliance.tokenFile();
    }

    public int xdsPort() {
        return appliance.xdsPort();
    }
}
