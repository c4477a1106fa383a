package dev.tandem.appliance;

/**
 * {@code xds.admission}: how many new xDS streams a node admits a second, and how many at once
 * ({@link StreamAdmission}).
 */
public record XdsAdmission(int streamsPerSecond, int burst) {

    /** The config's bounds; within them the token arithmetic of {@link StreamAdmission} cannot overflow. */
    static final int MAX_RATE = 10_000;

    static final int MAX_BURST = 100_000;

    public static XdsAdmission defaults() {
        // At 1,000 x 1,000 on 2 cores a node serves about 40 new data planes a second (tandem bench):
        // 200 a second leaves it room and admits 1,000 in 5 s, 10,000 in 50 s.
        return new XdsAdmission(200, 400);
    }
}
