package dev.tandem.appliance.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fault-injecting TCP proxy on 127.0.0.1 (port 0: it says which it got) in front of one server:
 * what a network does to a connection, on demand. {@link #hold} stops the bytes of one direction
 * where they are, as a partition does (nothing is lost: the sender's socket fills, the connection
 * stays open, and {@link #heal} lets them through as a retransmission would); {@link #cut} resets
 * every connection and every new one, as a host that refuses does; {@link #delay} adds latency to
 * every chunk. Every connection is two pumps, one per {@link Direction}.
 */
public final class FaultyLink implements AutoCloseable {

    /** {@code TO_SERVER}: what the clients send; {@code TO_CLIENT}: what the server answers. */
    public enum Direction {
        TO_SERVER,
        TO_CLIENT
    }

    private final ServerSocket listener;
    private final int target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Object state = new Object();
    private final boolean[] held = new boolean[Direction.values().length];

    private boolean cut;
    private long delayMs;

    private FaultyLink(ServerSocket listener, int target) {
        this.listener = listener;
        this.target = target;
    }

    /** A proxy to {@code 127.0.0.1:target}, passing everything until told otherwise. */
    public static FaultyLink to(int target) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultyLink link = new FaultyLink(listener, target);
        Thread acceptor = new Thread(link::accept, "faulty-link-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return link;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Stops the bytes going {@code direction}, on every connection and every new one. */
    public void hold(Direction direction) {
        synchronized (state) {
            held[direction.ordinal()] = true;
        }
    }

    /** Both directions held: a partition between the clients and the server. */
    public void partition() {
        hold(Direction.TO_SERVER);
        hold(Direction.TO_CLIENT);
    }

    /** Resets every connection, and every new one until {@link #heal}. */
    public void cut() {
        synchronized (state) {
            cut = true;
            state.notifyAll();
        }
        for (Socket socket : open) {
            reset(socket);
        }
    }

    /** Adds {@code latency} before each chunk is passed on, in both directions. */
    public void delay(Duration latency) {
        synchronized (state) {
            delayMs = latency.toMillis();
        }
    }

    /** Passes everything again: what was held goes on, new connections are accepted, no delay. */
    public void heal() {
        synchronized (state) {
            cut = false;
            delayMs = 0;
            held[0] = false;
            held[1] = false;
            state.notifyAll();
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            boolean refused;
            synchronized (state) {
                refused = cut;
            }
            if (refused) {
                reset(client);
                continue;
            }
            try {
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5_000);
                open.add(client);
                open.add(server);
                pump(client, server, Direction.TO_SERVER);
                pump(server, client, Direction.TO_CLIENT);
            } catch (IOException e) {
                reset(client);
            }
        }
    }

    private void pump(Socket from, Socket to, Direction direction) {
        Thread pump = new Thread(
                () -> {
                    byte[] chunk = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        for (int n; (n = in.read(chunk)) >= 0; ) {
                            if (!awaitPassable(direction)) {
                                return;
                            }
                            out.write(chunk, 0, n);
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // The connection is gone (reset by a cut, or closed by an end): so is the other side.
                    } finally {
                        reset(from);
                        reset(to);
                    }
                },
                "faulty-link-" + port() + "-" + direction);
        pump.setDaemon(true);
        pump.start();
    }

    /** Waits while {@code direction} is held, then for the delay; false once the link was cut. */
    private boolean awaitPassable(Direction direction) throws InterruptedException {
        long delay;
        synchronized (state) {
            while (held[direction.ordinal()] && !cut) {
                state.wait();
            }
            if (cut) {
                return false;
            }
            delay = delayMs;
        }
        if (delay > 0) {
            Thread.sleep(delay);
        }
        return true;
    }

    private void reset(Socket socket) {
        try {
            if (!socket.isClosed()) {
                // SO_LINGER 0: the close sends RST, as a refusing or vanished host does, not a clean FIN.
                socket.setSoLinger(true, 0);
            }
            socket.close();
        } catch (IOException e) {
            // Already gone.
        }
        open.remove(socket);
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
        synchronized (state) {
            state.notifyAll();
        }
    }
}
