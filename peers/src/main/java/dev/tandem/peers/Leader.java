package dev.tandem.peers;

import dev.tandem.peers.Action.StartExporter;
import dev.tandem.peers.Action.StopExporter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Leading an epoch (T6, T19, T20): a node that holds the authority of its epoch appends the epoch's
 * {@code epoch-start} entry, stays PROMOTING until that entry commits, then becomes the writer and
 * runs the exporter.
 */
final class Leader extends NodePart {
    /** Why this node leads its epoch: what its {@code epoch-start} entry says, and its role change names. */
    EpochStart epochStart;

    private long epochStartIndex;
    private boolean exporting;

    Leader(Node node) {
        super(node);
    }

    void becomePromoting(EpochStart start) {
        node.state = State.PROMOTING;
        epochStart = start;
        node.follower.leaveStream();
        stopExporter();
        node.roleChanged("promoting: " + start.reason(), start.requestedBy());
    }

    /** This node holds the authority of its epoch: start or resume leading it. */
    void lead() {
        node.replicator.trackMembers();
        String handedFrom = null;
        if (!settings.leaseStore()) {
            // The log's record may name this node, the sync standby of the epoch before: a new active
            // never waits for itself. After a switch the old active holds every entry: it is the sync standby.
            String fromLog = node.syncKnown;
            node.syncStandby = settings.self().equals(fromLog) ? null : fromLog;
            if (settings.self().equals(fromLog)
                    && epochStart != null
                    && epochStart.reason().equals("switch")
                    && !epochStart.previous().isEmpty()
                    && settings.replication() == Replication.SYNC) {
                handedFrom = epochStart.previous();
            }
        }
        epochStartIndex = epochStartIndexOf(node.currentEpoch);
        if (epochStartIndex == 0) {
            EpochStart start = epochStart != null ? epochStart : new EpochStart("restart", "", false, false, "");
            node.appender.appendOwn(epochStartEntry(start));
            node.state = State.PROMOTING;
            if (handedFrom != null) {
                node.sync.changeSync(handedFrom);
            }
        } else if (epochStartIndex <= node.commitIndex && node.now >= node.authority.writeNotBefore) {
            becomeWriter();
        } else {
            node.state = State.PROMOTING;
        }
        node.replicator.replicate();
        node.replicator.tryCommit();
    }

    long epochStartIndexOf(long epoch) {
        for (long i = log.lastIndex(); i >= log.firstIndex(); i--) {
            EntryMeta entry = log.at(i);
            if (entry.epoch() < epoch) {
                return 0;
            }
            if (entry.kind().equals(EntryKinds.EPOCH_START) && entry.epoch() == epoch) {
                return i;
            }
        }
        return 0;
    }

    /** Whether this node has appended the {@code epoch-start} entry of the epoch it leads. */
    boolean epochStarted() {
        return epochStartIndex != 0;
    }

    /** This node's own {@code epoch-start} entry of its epoch is in the log at {@code index}. */
    void epochStartAt(long index) {
        epochStartIndex = index;
    }

    private LogEntry epochStartEntry(EpochStart start) {
        long reserved = log.maxRevision() + (start.gap() ? 1 : 0);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("active", settings.self());
        fields.put("epoch", node.currentEpoch);
        fields.put("lossAccepted", start.lossAccepted());
        fields.put("nextRevision", reserved + 1);
        fields.put("previous", start.previous());
        fields.put("reason", start.reason());
        fields.put("requestedBy", start.requestedBy());
        return LogEntry.create(
                log.lastChecksum(),
                node.currentEpoch,
                log.lastIndex() + 1,
                EntryKinds.EPOCH_START,
                reserved,
                ControlPayload.write(fields));
    }

    /** T20: once the epoch's {@code epoch-start} entry has committed, and not before writeNotBefore. */
    void committed() {
        if (node.state == State.PROMOTING
                && epochStartIndex > 0
                && epochStartIndex <= node.commitIndex
                && node.now >= node.authority.writeNotBefore) {
            becomeWriter();
        }
    }

    private void becomeWriter() {
        State before = node.state;
        node.state = settings.alone() ? State.STANDALONE : State.ACTIVE;
        startExporter();
        if (before != node.state) {
            node.roleChanged(
                    epochStart == null ? "resumed" : epochStart.reason(),
                    epochStart == null ? "" : epochStart.requestedBy());
            if (epochStart != null && !epochStart.reason().equals("restart")) {
                node.event(
                        "role",
                        "state",
                        node.state.name(),
                        "epoch",
                        node.currentEpoch,
                        "reason",
                        epochStart.reason(),
                        "requestedBy",
                        epochStart.requestedBy());
            }
        }
        node.appender.grant();
    }

    void startExporter() {
        if (!exporting) {
            exporting = true;
            out.add(new StartExporter(node.currentEpoch));
        }
    }

    void stopExporter() {
        if (exporting) {
            exporting = false;
            out.add(new StopExporter());
        }
    }
}
