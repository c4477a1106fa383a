package dev.tandem.appliance.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the few servers whose port must be known before they start (grpc-java's xDS bootstrap is
 * read once per JVM) or kept across a restart (a site that comes back, an appliance a data plane
 * reconnects to). Every other server binds port 0 and says which port it got.
 * <p>
 * A port picked by binding port 0 and closing is in the ephemeral range: any outgoing connection on
 * the machine (another build's, this test's own) may take it before the server binds it, and a
 * start fails with "address in use". So these come from outside the ephemeral range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}), where the kernel never picks source ports, at
 * random (the surefire and failsafe forks, the installer tests and other builds on the machine pick
 * too), and a start that fails to bind is tried again on another port: the bind is the test of
 * freeness. A restart on the same port cannot get another one, but outside the ephemeral range only
 * another test that picked the same port at random can take it.
 */
public final class Ports {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Linux's default, when the file cannot be read. */
    private static final int[] DEFAULT_EPHEMERAL = {32768, 60999};
    /** Below this are the usual ports of developers' own servers (8080, 9090, 5432, ...). */
    private static final int LOWEST = 10000;

    private static final int TRIES = 20;
    private static final List<int[]> RANGES = outsideEphemeral(ephemeralRange());

    private Ports() {}

    /** Starts a server on a port from outside the ephemeral range; on a bind failure, on another one. */
    public static <T> T bind(Start<T> start) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int port = candidate();
            try {
                return start.on(port);
            } catch (Exception e) {
                if (!isBindFailure(e) || attempt == TRIES) {
                    throw e;
                }
            }
        }
    }

    /** A port from outside the ephemeral range that nothing listened on just now. */
    public static int unbound() {
        try {
            return bind(port -> {
                try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    return socket.getLocalPort();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server's start on a given port. */
    @FunctionalInterface
    public interface Start<T> {
        T on(int port) throws Exception;
    }

    private static int candidate() {
        if (RANGES.isEmpty()) {
            return 0;
        }
        int total = RANGES.stream().mapToInt(r -> r[1] - r[0] + 1).sum();
        int pick = ThreadLocalRandom.current().nextInt(total);
        for (int[] range : RANGES) {
            int size = range[1] - range[0] + 1;
            if (pick < size) {
                return range[0] + pick;
            }
            pick -= size;
        }
        throw new AssertionError("unreachable");
    }

    /**
     * From {@link #LOWEST} up, what the ephemeral range leaves. Empty when it leaves nothing (then
     * the kernel picks, port 0, as before: still retried on a bind failure).
     */
    static List<int[]> outsideEphemeral(int[] ephemeral) {
        List<int[]> ranges = new ArrayList<>();
        if (ephemeral[0] - 1 >= LOWEST) {
            ranges.add(new int[] {LOWEST, ephemeral[0] - 1});
        }
        if (ephemeral[1] + 1 <= 65535) {
            ranges.add(new int[] {Math.max(LOWEST, ephemeral[1] + 1), 65535});
        }
        return ranges;
    }

    private static int[] ephemeralRange() {
        try {
            String[] bounds = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+");
            return new int[] {Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL;
        }
    }

    /**
     * The JDK and the appliance's admin API throw a BindException; grpc-java's Netty on its native
     * transport (epoll) a NativeIoException "bind(..) failed with error(-98): Address already in use".
     */
    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }
}
