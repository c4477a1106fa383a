package dev.tandem.xds.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parsesUnitsAndFractions() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void refusesWhatIsNotADuration() {
        assertThat(Durations.parse("5")).isNull();
        assertThat(Durations.parse("-5s")).isNull();
        assertThat(Durations.parse("5 seconds")).isNull();
        assertThat(Durations.parse("0.0000000001s")).isNull();
        // Beyond what a Duration of nanoseconds holds: refused, not an overflow.
        assertThat(Durations.parse("999999999h")).isNull();
    }

    @Test
    void formatsTheShortestExactSpelling() {
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(Durations.format(Duration.ofHours(24))).isEqualTo("24h");
    }
}
