package dev.tandem.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Applies of ever new configs ({@link Gateways#edge} with a new endpoint port each), and what was
 * acknowledged (201) with the documents it was given: the writes a failover must not lose. Either
 * one at a time ({@link #apply}) or as a stream from a thread of its own ({@link #stream}).
 */
public final class Applies {

    private final Map<Long, String> acknowledged = new ConcurrentSkipListMap<>();
    private final AtomicInteger written = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean();
    private final int firstPort;

    private Thread stream;

    /** Endpoint ports count up from {@code firstPort}: every apply is a new revision. */
    public Applies(int firstPort) {
        this.firstPort = firstPort;
    }

    /** One apply to {@code admin}; its status. */
    public int apply(AdminHttp admin) {
        String yaml = Gateways.edge(firstPort + written.incrementAndGet());
        AdminHttp.Reply reply = admin.post("/api/v1/apply", yaml);
        if (reply.status() == 201) {
            acknowledged.put(reply.json().path("revision").asLong(), yaml);
        }
        return reply.status();
    }

    /** Applies to {@code admin} from a thread, about 50 a second, until {@link #stop}; a node gone ends none. */
    public void stream(AdminHttp admin) {
        running.set(true);
        stream = new Thread(
                () -> {
                    while (running.get()) {
                        try {
                            apply(admin);
                            Thread.sleep(20);
                        } catch (RuntimeException e) {
                            // The node is gone: nothing more is acknowledged.
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "applies");
        stream.start();
    }

    /** Ends the stream and waits for its last apply. */
    public void stop() throws InterruptedException {
        running.set(false);
        if (stream != null) {
            stream.join();
        }
    }

    public int count() {
        return acknowledged.size();
    }

    /** Every acknowledged write is on {@code node}, with the documents it was given. */
    public void assertAllOn(AdminHttp node) {
        for (Map.Entry<Long, String> write : acknowledged.entrySet()) {
            AdminHttp.Reply stored = node.get("/api/v1/revisions/" + write.getKey());
            assertThat(stored.status()).as("revision %d", write.getKey()).isEqualTo(200);
            assertThat(stored.json().path("config").asText()).isEqualTo(write.getValue());
        }
    }
}
