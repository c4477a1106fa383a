package dev.tandem.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket of {@link StreamAdmission} on a clock the test moves. */
class StreamAdmissionTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicLong refused = new AtomicLong();
    private final StreamAdmission admission =
            new StreamAdmission(new XdsAdmission(2, 3), now::get, refused::incrementAndGet);

    @Test
    void admitsABurstThenTheRateAndNeverMoreThanTheBurstAfterAPause() {
        assertThat(admitted(10)).as("at once").isEqualTo(3);
        advanceMillis(499);
        assertThat(admitted(10)).as("after 499 ms at 2 a second").isZero();
        advanceMillis(1);
        assertThat(admitted(10)).as("after 500 ms").isEqualTo(1);
        advanceMillis(1_500);
        assertThat(admitted(10)).as("after 1.5 s").isEqualTo(3);
        advanceMillis(3_600_000);
        assertThat(admitted(10)).as("after an hour: the burst, no more").isEqualTo(3);
    }

    @Test
    void aClockThatGoesBackAddsNothing() {
        assertThat(admitted(3)).isEqualTo(3);
        advanceMillis(-10_000);
        assertThat(admitted(1)).isZero();
    }

    private int admitted(int tries) {
        int admitted = 0;
        for (int i = 0; i < tries; i++) {
            if (admission.admit()) {
                admitted++;
            }
        }
        return admitted;
    }

    private void advanceMillis(long ms) {
        now.addAndGet(ms * 1_000_000);
    }
}
