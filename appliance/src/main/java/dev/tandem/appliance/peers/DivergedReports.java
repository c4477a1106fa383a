package dev.tandem.appliance.peers;

import dev.tandem.appliance.store.AuditLog;
import dev.tandem.appliance.store.DivergedEntry;
import dev.tandem.peers.PeerMessage.DivergedNote;
import dev.tandem.peers.PeerMessage.DivergedReport;
import dev.tandem.peers.State;
import java.sql.SQLException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entries a node moved aside reach the active's audit log (ADR 0014 §3.8): the audit log is
 * replicated, so only the active can write it. The standby reports what it moved aside and its
 * replicated audit log does not show yet ({@link #unrecorded}); the active records each entry once
 * ({@link #record}), and the record, replicated back, ends the reports. Both sides name an entry by
 * the same {@link #detail} text.
 */
public final class DivergedReports {

    /** The audit action. */
    public static final String ACTION = "peer-diverged";

    private static final Logger LOG = LoggerFactory.getLogger(DivergedReports.class);

    private DivergedReports() {}

    /** The audit entry's detail for {@code note}, moved aside by {@code member}: the same on every peer. */
    public static String detail(String member, DivergedNote note) {
        String at = note.epoch() + ":" + note.index();
        return member + " moved entry " + at + " (" + note.kind()
                + (note.revision() == 0 ? "" : ", revision " + note.revision()) + ") aside when it rejoined at epoch "
                + note.replacedByEpoch() + "; it was never acknowledged. On " + member + ": tandem peers diverged show "
                + at + ", and clear it once handled";
    }

    static DivergedNote note(DivergedEntry entry) {
        return new DivergedNote(entry.epoch(), entry.index(), entry.kind(), entry.revision(), entry.replacedByEpoch());
    }

    /** Whether this node's (replicated) audit log records {@code note} of {@code member} already. */
    public static boolean recorded(AuditLog audit, String member, DivergedNote note) throws SQLException {
        return audit.recorded(ACTION, detail(member, note));
    }

    /**
     * On the active: records each entry of {@code report} from {@code member} that the audit log does
     * not hold yet, as an ordinary replicated write. Anywhere else the report is dropped; the standby
     * sends it again to whoever is active.
     */
    public static void record(PeerNode node, AuditLog audit, Clock clock, String member, DivergedReport report) {
        if (node.view().state() != State.ACTIVE) {
            return;
        }
        for (DivergedNote note : report.entries()) {
            try {
                if (recorded(audit, member, note)) {
                    continue;
                }
                String detail = detail(member, note);
                audit.audited(
                        ACTION,
                        c -> detail,
                        d -> AuditLog.Event.of(clock.instant(), "peer:" + member, "peer link", ACTION, d));
                LOG.warn("peers: {}", detail);
            } catch (SQLException | RuntimeException e) {
                LOG.warn("peers: cannot record what {} moved aside yet (sent again): {}", member, e.toString());
                return;
            }
        }
    }
}
