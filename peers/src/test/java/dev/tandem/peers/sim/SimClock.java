package dev.tandem.peers.sim;

/**
 * One node's clocks on the simulated real time T: a monotonic clock whose rate may drift within the
 * bound, drawn again at each restart, and a wall clock that may jump.
 */
final class SimClock {
    private long anchorT;
    private long monoAtAnchor;
    private double rate;
    private long wallOffsetMillis;

    SimClock(long t, long offset, double rate, long wallOffsetMillis) {
        this.anchorT = t;
        this.monoAtAnchor = offset;
        this.rate = rate;
        this.wallOffsetMillis = wallOffsetMillis;
    }

    long mono(long t) {
        return monoAtAnchor + (long) ((t - anchorT) * rate);
    }

    long wallMillis(long t) {
        return t / 1_000_000L + wallOffsetMillis;
    }

    void rate(long t, double newRate) {
        monoAtAnchor = mono(t);
        anchorT = t;
        rate = newRate;
    }

    double rate() {
        return rate;
    }

    void jumpWall(long millis) {
        wallOffsetMillis += millis;
    }
}
