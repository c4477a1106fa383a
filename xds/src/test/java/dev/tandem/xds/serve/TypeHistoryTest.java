package dev.tandem.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.xds.serve.TypeHistory.Diff;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A group's labels of one type, and the differences between them that every client shares. */
class TypeHistoryTest {

    private final TypeHistory history = new TypeHistory();

    @Test
    void theDifferenceBetweenTwoLabelsIsComputedOnceAndShared() {
        history.remember("L1", Map.of("c", "1", "a", "1", "b", "1"));
        history.remember("L2", Map.of("c", "2", "a", "2", "b", "1"));

        Diff diff = history.diff("L1", "L2");

        assertThat(diff).isEqualTo(new Diff(List.of("a", "c"), true));
        assertThat(history.diff("L1", "L2")).isSameAs(diff);
    }

    @Test
    void namesThatCameOrWentAreNotTheSameNames() {
        history.remember("L1", Map.of("a", "1", "b", "1"));
        history.remember("L2", Map.of("a", "1", "d", "1"));

        assertThat(history.diff("L1", "L2")).isEqualTo(new Diff(List.of("d"), false));
        assertThat(history.diff("L2", "L1")).isEqualTo(new Diff(List.of("b"), false));
    }

    @Test
    void aLabelThisProcessDoesNotKnowHasNoVersionsAndNoDifference() {
        history.remember("L1", Map.of("a", "1"));

        assertThat(history.versions("L0")).isNull();
        assertThat(history.versions("")).isNull();
        assertThat(history.diff("L0", "L1")).isNull();
        assertThat(history.diff("L1", "L0")).isNull();
        assertThat(history.diff("", "L1")).isNull();
    }

    @Test
    void onlyTheNewestLabelsAreKept() {
        for (int i = 1; i <= LabelHistory.HISTORY; i++) {
            history.remember("L" + i, Map.of("a", String.valueOf(i)));
        }
        history.remember("L1", Map.of("a", "1")); // served again: the newest now
        history.remember("L9", Map.of("a", "9"));

        assertThat(history.versions("L1")).isEqualTo(Map.of("a", "1"));
        assertThat(history.versions("L2")).as("the oldest").isNull();
        assertThat(history.versions("L3")).isEqualTo(Map.of("a", "3"));
        assertThat(history.versions("L9")).isEqualTo(Map.of("a", "9"));
    }
}
