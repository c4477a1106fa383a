package dev.tandem.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.appliance.Appliance;
import dev.tandem.appliance.ApplianceConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortsIT {

    @Test
    void portsComeFromOutsideTheEphemeralRange() {
        assertThat(Ports.outsideEphemeral(new int[] {32768, 60999}))
                .containsExactly(new int[] {10000, 32767}, new int[] {61000, 65535});
        assertThat(Ports.outsideEphemeral(new int[] {40000, 65535})).containsExactly(new int[] {10000, 39999});
        assertThat(Ports.outsideEphemeral(new int[] {1024, 65535})).isEmpty();
        assertThat(Ports.outsideEphemeral(new int[] {1024, 5000})).containsExactly(new int[] {10000, 65535});
        int[] ephemeral = {32768, 60999};
        int port = Ports.unbound();
        assertThat(port < ephemeral[0]
                        || port > ephemeral[1]
                        || Ports.outsideEphemeral(ephemeral).isEmpty())
                .isTrue();
    }

    /** The bind failures of the servers the tests start are recognised, whatever each calls them. */
    @Test
    void aStartWhosePortIsTakenIsTriedOnAnother(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Integer> tried = new ArrayList<>();
            try (SiteBackend site = Ports.bind(port -> {
                tried.add(port);
                return new SiteBackend("site", tried.size() == 1 ? taken.getLocalPort() : port).start();
            })) {
                assertThat(tried).hasSize(2);
                assertThat(site.port()).isEqualTo(tried.get(1));
            }

            List<Integer> admin = new ArrayList<>();
            try (Appliance appliance = Ports.bind(port -> {
                admin.add(port);
                return Appliance.start(config(dir, admin.size() == 1 ? taken.getLocalPort() : 0, 0));
            })) {
                assertThat(admin).hasSize(2);
            }
            List<Integer> xds = new ArrayList<>();
            try (Appliance appliance = Ports.bind(port -> {
                xds.add(port);
                return Appliance.start(config(dir, 0, xds.size() == 1 ? taken.getLocalPort() : port));
            })) {
                assertThat(xds).hasSize(2);
                assertThat(appliance.xdsPort()).isEqualTo(xds.get(1));
            }
        }
        assertThatThrownBy(() -> Ports.bind(port -> {
                    throw new IllegalStateException("not a bind failure");
                }))
                .hasMessage("not a bind failure");
    }

    private static ApplianceConfig config(Path dir, int adminPort, int xdsPort) {
        return new ApplianceConfig(
                        "ports",
                        dir.resolve("data"),
                        new ApplianceConfig.Endpoint("127.0.0.1", adminPort),
                        new ApplianceConfig.Endpoint("127.0.0.1", xdsPort),
                        Optional.empty())
                .withPki(TestPki.settings("ports"));
    }
}
