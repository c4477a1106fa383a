package dev.tandem.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.serve.StreamClient.TypeState;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a client had is found again by its next stream, by the version it presents, and only for a while. */
class ReconnectMemoryTest {

    private static final Holding AT_L1 = new Holding("L1", Set.of("a", "b"), Set.of("a", "b"));
    private static final Holding AT_L2 = new Holding("L2", Set.of("a", "b"), Set.of("a", "b"));

    private final MutableClock clock = new MutableClock();

    @Test
    void aClosedStreamsHoldingIsRecalledOnceByItsVersion() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        memory.closed(stream(memory, "envoy-1", AT_L1, null));
        assertThat(memory.entries()).isEqualTo(1);

        StreamClient next = stream(memory, "envoy-1");
        assertThat(memory.recall(next, ResourceType.ENDPOINT, "L1")).contains(AT_L1);
        assertThat(memory.entries()).isZero();
        assertThat(memory.recall(next, ResourceType.ENDPOINT, "L1"))
                .as("used up")
                .isEmpty();
    }

    @Test
    void theAnswerInFlightCountsWhenTheClientSaysItGotIt() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        memory.closed(stream(memory, "envoy-1", AT_L1, AT_L2));

        assertThat(memory.recall(stream(memory, "envoy-1"), ResourceType.ENDPOINT, "L2"))
                .contains(AT_L2);
    }

    @Test
    void anotherVersionRecallsNothingAndUsesTheEntryUp() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        memory.closed(stream(memory, "envoy-1", AT_L1, null));

        assertThat(memory.recall(stream(memory, "envoy-1"), ResourceType.ENDPOINT, "L7"))
                .isEmpty();
        assertThat(memory.entries()).isZero();
    }

    @Test
    void noVersionRecallsNothingAndKeepsTheEntry() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        memory.closed(stream(memory, "envoy-1", AT_L1, null));

        assertThat(memory.recall(stream(memory, "envoy-1"), ResourceType.ENDPOINT, ""))
                .isEmpty();
        assertThat(memory.entries()).isEqualTo(1);
    }

    @Test
    void aStreamStillOpenIsInheritedByTheNodesNewStream() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        stream(memory, "envoy-1", AT_L1, null);
        StreamClient newer = stream(memory, "envoy-1"); // before the old connection is seen dead

        assertThat(memory.recall(newer, ResourceType.ENDPOINT, "L1")).contains(AT_L1);
    }

    @Test
    void anOlderStreamSeenClosedLateLeavesTheNewerOneTheNodesLiveStream() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        StreamClient older = stream(memory, "envoy-1", AT_L1, null);
        StreamClient newer = stream(memory, "envoy-1");
        newer.types.put(ResourceType.CLUSTER, new TypeState(Holding.complete("C2")));
        memory.closed(older);

        StreamClient third = stream(memory, "envoy-1");
        assertThat(memory.recall(third, ResourceType.CLUSTER, "C2"))
                .as("inherited from the newer")
                .contains(Holding.complete("C2"));
    }

    @Test
    void whatIsOlderThanTheMemoryIsForgotten() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        memory.closed(stream(memory, "envoy-1", AT_L1, null));
        clock.advance(ReconnectMemory.MEMORY.plusSeconds(1));
        memory.closed(stream(memory, "envoy-2", AT_L1, null));

        assertThat(memory.entries()).isEqualTo(1);
        assertThat(memory.recall(stream(memory, "envoy-1"), ResourceType.ENDPOINT, "L1"))
                .isEmpty();
    }

    @Test
    void theMemoryIsBoundedWhateverTheChurnOfNodeIds() {
        ReconnectMemory memory = new ReconnectMemory(clock, 2);
        for (String node : new String[] {"envoy-1", "envoy-2", "envoy-3"}) {
            memory.closed(stream(memory, node, AT_L1, null));
        }

        assertThat(memory.entries()).isEqualTo(2);
        assertThat(memory.recall(stream(memory, "envoy-1"), ResourceType.ENDPOINT, "L1"))
                .as("the oldest")
                .isEmpty();
        assertThat(memory.recall(stream(memory, "envoy-3"), ResourceType.ENDPOINT, "L1"))
                .contains(AT_L1);
    }

    @Test
    void aStreamThatNeverNamedItsNodeIsNotRemembered() {
        ReconnectMemory memory = new ReconnectMemory(clock);
        StreamClient anonymous = new StreamClient();
        anonymous.types.put(ResourceType.ENDPOINT, new TypeState(AT_L1));
        memory.closed(anonymous);

        assertThat(memory.entries()).isZero();
        assertThat(memory.recall(anonymous, ResourceType.ENDPOINT, "L1")).isEmpty();
    }

    /** A new stream of {@code node}, as the cache opens it on its first request. */
    private StreamClient stream(ReconnectMemory memory, String node) {
        StreamClient client = new StreamClient();
        client.nodeId = node;
        memory.opened(client);
        return client;
    }

    /** A new stream of {@code node} whose client holds {@code acked} of endpoints, {@code sent} in flight (or none). */
    private StreamClient stream(ReconnectMemory memory, String node, Holding acked, Holding sent) {
        StreamClient client = stream(memory, node);
        TypeState state = new TypeState(acked);
        synchronized (state) {
            state.sent = sent;
        }
        client.types.put(ResourceType.ENDPOINT, state);
        return client;
    }
}
