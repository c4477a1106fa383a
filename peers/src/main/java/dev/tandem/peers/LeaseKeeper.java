package dev.tandem.peers;

import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.ReadLease;
import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.LeaseAnswer.Found;
import dev.tandem.peers.LeaseAnswer.Missing;
import dev.tandem.peers.LeaseAnswer.Unverifiable;
import dev.tandem.peers.LeaseWrites.WriteKind;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lease (§5) as this node reads and holds it: every read and what its answer means (R1, R3, and
 * T1, T4, T5 after a start), the version this node holds and renews (L2), the version a standby
 * watches, and the lease's timers. The writes and their resolution are {@link LeaseWrites}'.
 */
final class LeaseKeeper extends NodePart {
    enum ReadPurpose {
        START,
        POLL,
        RESOLVE,
        PROMOTE,
        CONFIRM,
        CLAIM
    }

    /** The version this node holds: its next write is conditional on it. */
    String etag;
    /** What this node last wrote at that version. */
    Lease written;
    /** Whether this incarnation has seen the lease object: a read found it, or a write of its own landed. */
    boolean leaseSeen;

    // Standby (§2.3): the version it watches, and when the first read that returned it was answered.
    Lease observed;
    String observedEtag;
    long observedSince = NEVER;

    private final Map<Long, ReadPurpose> reads = new TreeMap<>();

    private long nextRenewAt = NEVER;
    private long nextPollAt = NEVER;
    private long nextStartReadAt = NEVER;
    private long missingSince = NEVER;

    LeaseKeeper(Node node) {
        super(node);
    }

    void timers() {
        if (node.leaseWrites.inFlight()) {
            return;
        }
        boolean forced = node.authority.forced;
        if (forced && node.now >= nextPollAt) {
            nextPollAt = node.now + timing.leasePoll();
            read(ReadPurpose.CLAIM);
            return;
        }
        boolean holder = node.isActiveOfEpoch()
                && etag != null
                && (node.state != State.HANDING_OVER || node.leaseWrites.handoverInDoubt())
                && !forced;
        if (holder && node.now >= nextRenewAt) {
            holderWrite();
        } else if (node.state == State.FENCED && etag == null && !forced && node.now >= nextStartReadAt) {
            read(ReadPurpose.START);
        } else if (node.state.role() == Role.STANDBY && node.now >= nextPollAt) {
            nextPollAt = node.now + timing.leasePoll();
            read(ReadPurpose.POLL);
        }
    }

    /** The next tick reads the lease: a standby that knows no active, or a forced active that claims it. */
    void pollAtNextTick() {
        nextPollAt = node.now;
    }

    /** A write sent at {@code sentAt} landed: the holder renews a renewInterval after it. */
    void renewFrom(long sentAt) {
        node.authority.grantedBy(sentAt);
        nextRenewAt = sentAt + timing.renewInterval();
    }

    /** The write did not land: it is tried again after half an attempt's timeout. */
    void renewSoon() {
        nextRenewAt = node.now + timing.s3AttemptTimeout() / 2;
    }

    /** A fenced holder renews at its next tick at the latest, so that it can write again. */
    void renewNoLaterThanNow() {
        if (nextRenewAt > node.now) {
            nextRenewAt = node.now;
        }
    }

    void renewAtNextTick() {
        nextRenewAt = node.now;
    }

    /** This node holds the version {@code found} shows: it names this node at its epoch. */
    void adopt(Found found) {
        etag = found.etag();
        written = found.lease();
    }

    /** A write of this node's landed: it holds that version now. */
    void wrote(String etag, Lease lease) {
        leaseSeen = true;
        this.etag = etag;
        written = lease;
        missingSince = NEVER;
    }

    /** T23: the lease changed under a takeover; the observation restarts from this version. */
    void observeAnew(Found found) {
        observedEtag = found.etag();
        observedSince = node.now;
        observed = found.lease();
    }

    /** T12: a node that stops leading holds no version. */
    void forget() {
        etag = null;
        written = null;
    }

    /** W (§2.4), from the lease as last read. */
    long w() {
        return timing.takeoverWait(observed);
    }

    long read(ReadPurpose purpose) {
        long id = node.nextSequence();
        reads.put(id, purpose);
        out.add(new ReadLease(id));
        return id;
    }

    void holderWrite() {
        String sync = node.sync.forLease();
        long renewal = written == null ? 1 : written.renewal() + 1;
        node.leaseWrites.writeLease(
                WriteKind.HOLDER,
                node.leaseWrites.lease(settings.self(), node.currentEpoch, renewal, sync),
                new Matches(etag));
    }

    void leaseRead(long requestId, LeaseAnswer answer) {
        ReadPurpose purpose = reads.remove(requestId);
        if (purpose == null) {
            return;
        }
        if (answer instanceof Found) {
            leaseSeen = true;
        }
        if (answer instanceof Found found) {
            if (!found.lease().cluster().equals(settings.cluster())) {
                node.event(
                        "lease-refused",
                        "reason",
                        "the lease names cluster " + found.lease().cluster());
                return;
            }
            if (found.lease().epoch() > node.currentEpoch) {
                node.roles.learnEpoch(found.lease().epoch(), found.lease().holder(), found);
                if (purpose != ReadPurpose.PROMOTE) {
                    if (purpose == ReadPurpose.RESOLVE) {
                        node.leaseWrites.resolveAfterHigherEpoch();
                    }
                    return;
                }
            }
        }
        if (answer instanceof Unverifiable unverifiable) {
            node.event("lease-unverifiable", "detail", unverifiable.detail());
        }
        switch (purpose) {
            case START -> startRead(answer);
            case POLL -> pollRead(answer);
            case RESOLVE -> node.leaseWrites.resolveRead(answer);
            case PROMOTE -> node.promotion.promoteRead(answer);
            case CONFIRM -> node.switchover.confirmRead(answer);
            case CLAIM -> node.promotion.claimRead(answer);
        }
    }

    /** T1, T4, T5: a writer-intent node after its start. */
    private void startRead(LeaseAnswer answer) {
        if (node.state != State.FENCED || etag != null) {
            return;
        }
        nextStartReadAt = node.now + timing.leasePoll();
        LeaseWrites leaseWrites = node.leaseWrites;
        String self = settings.self();
        switch (answer) {
            case Found found -> {
                Lease lease = found.lease();
                missingSince = NEVER;
                if (lease.holder().equals(self) && lease.epoch() == node.currentEpoch) {
                    adopt(found);
                    long start = node.leader.epochStartIndexOf(node.currentEpoch);
                    if (start == 0 || start > node.commitIndex) {
                        // The last incarnation had not committed its epoch's first entry, so it may have been
                        // waiting for the old holder's authority to run out; how long is lost with the crash.
                        node.authority.writeNotBefore = node.now + timing.takeoverWait(lease);
                    }
                    holderWrite();
                } else if (lease.epoch() < node.currentEpoch && self.equals(node.epochActive)) {
                    leaseWrites.writeLease(
                            WriteKind.CLAIM,
                            leaseWrites.lease(self, node.currentEpoch, 0, null),
                            new Matches(found.etag()));
                } else if (lease.epoch() == node.currentEpoch && !lease.holder().equals(self)) {
                    node.roles.learnActive(lease.holder());
                }
            }
            case Missing missing -> {
                if (node.currentEpoch == 0) {
                    node.roles.startFirstEpoch();
                    leaseWrites.writeLease(
                            WriteKind.CREATE, leaseWrites.lease(self, 1, 0, null), new Condition.Absent());
                } else if (self.equals(node.epochActive)
                        && !leaseSeen
                        && node.leader.epochStartIndexOf(node.currentEpoch) == 0) {
                    // This node's own first create is in doubt and its epoch never started: nobody can hold
                    // a lease that never existed, and If-None-Match keeps a retry from replacing one.
                    leaseWrites.writeLease(
                            WriteKind.CREATE,
                            leaseWrites.lease(self, node.currentEpoch, 0, null),
                            new Condition.Absent());
                } else if (self.equals(node.epochActive)) {
                    // Deleted by hand: create it again only after W of seeing it missing, so that any
                    // holder that renewed before the deletion has fenced itself.
                    if (missingSince == NEVER) {
                        missingSince = node.now;
                        node.event(
                                "lease-missing",
                                "detail",
                                "the lease object is gone; it is created again after " + Timing.text(w()));
                    } else if (node.now - missingSince >= w()) {
                        leaseWrites.writeLease(
                                WriteKind.CREATE,
                                leaseWrites.lease(self, node.currentEpoch, 0, null),
                                new Condition.Absent());
                    }
                }
            }
            case LeaseAnswer.Unreachable unreachable -> {
                if (settings.alone() && self.equals(node.epochActive) || settings.alone() && node.currentEpoch == 0) {
                    node.authority.lastLeaseFailureUnreachable = true;
                    node.roles.leadAfterStart();
                }
            }
            case Unverifiable unverifiable -> {}
        }
    }

    /** R1: a standby watches the lease version; condition (b) counts from the first read that returned it. */
    private void pollRead(LeaseAnswer answer) {
        switch (answer) {
            case Found found -> {
                if (!found.etag().equals(observedEtag)) {
                    observedEtag = found.etag();
                    observedSince = node.now;
                }
                observed = found.lease();
                if (found.lease().epoch() == node.currentEpoch) {
                    if (found.lease().holder().equals(settings.self()) && node.state.role() == Role.STANDBY) {
                        // The epoch was learnt from a message that did not name its active, and the lease names this
                        // node.
                        node.roles.takeLeaseNamingMe(found);
                        return;
                    }
                    if (node.epochActive == null) {
                        node.roles.learnActive(found.lease().holder());
                    }
                    node.sync.recordKnown(found.lease().syncStandby());
                }
            }
            case Missing missing -> {
                observedEtag = null;
                observed = null;
            }
            default -> {}
        }
    }
}
