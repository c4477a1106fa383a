package dev.tandem.peers.sim;

import dev.tandem.peers.Condition;
import dev.tandem.peers.Condition.Absent;
import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.Lease;
import dev.tandem.peers.LeaseAnswer;
import dev.tandem.peers.WriteAnswer;

/**
 * The S3 lease object as a linearizable register with ETags and the answers AWS documents: 412 for a
 * stale ETag or an existing object under If-None-Match, 404 for If-Match on a missing key.
 */
final class SimLeaseStore {
    private Lease lease;
    private String etag;
    private long versions;

    LeaseAnswer read() {
        return lease == null ? new LeaseAnswer.Missing() : new LeaseAnswer.Found(etag, lease);
    }

    WriteAnswer write(Lease proposed, Condition condition, Checker checker) {
        switch (condition) {
            case Absent absent -> {
                if (lease != null) {
                    return new WriteAnswer.Refused(412);
                }
            }
            case Matches matches -> {
                if (lease == null) {
                    return new WriteAnswer.Refused(404);
                }
                if (!matches.etag().equals(etag)) {
                    return new WriteAnswer.Refused(412);
                }
            }
        }
        checker.leaseWritten(lease, proposed);
        lease = proposed;
        etag = "\"v" + (++versions) + "\"";
        return new WriteAnswer.Written(etag);
    }

    Lease current() {
        return lease;
    }
}
