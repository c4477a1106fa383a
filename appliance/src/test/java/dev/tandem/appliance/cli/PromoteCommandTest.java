package dev.tandem.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What {@code tandem promote} says of a promote's report before it acts. */
class PromoteCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theSyncStandbyOfTheLeaseLosesNothing() throws Exception {
        assertThat(PromoteCommand.describe(JSON.readTree("""
                        {"isSyncStandby": true, "syncSource": "lease", "mayLoseAcknowledgedWrites": false}
                        """)))
                .isEqualTo("this standby IS the recorded sync standby (from the lease): no acknowledged write is lost");
    }

    @Test
    void theSyncStandbyOfTheLogAloneMayStillLackWritesAndSaysWhyOnce() throws Exception {
        assertThat(PromoteCommand.describe(JSON.readTree("""
                        {"isSyncStandby": true, "syncSource": "log", "mayLoseAcknowledgedWrites": true,
                         "refusal": "confirm-data-loss: without a lease store ..."}
                        """)))
                .isEqualTo("this standby IS the recorded sync standby (from the log), but that record may be older"
                        + " than the active's: an active that stopped waiting for it committed alone;"
                        + " acknowledged writes may be lost\nit would be refused: confirm-data-loss: without a lease"
                        + " store ...")
                .doesNotContain("no acknowledged write is lost");
    }

    @Test
    void anotherStandbySaysWhatItLacks() throws Exception {
        assertThat(PromoteCommand.describe(JSON.readTree("""
                        {"isSyncStandby": false, "knownMissingEntries": 37, "mayLoseAcknowledgedWrites": true}
                        """)))
                .startsWith("this standby is NOT the recorded sync standby: it lacks at least 37 committed entries");
    }
}
