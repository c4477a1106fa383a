package dev.tandem.peers.sim;

import dev.tandem.peers.Checksum;
import dev.tandem.peers.EntryMeta;
import dev.tandem.peers.Header;
import dev.tandem.peers.Input;
import dev.tandem.peers.LogEntry;
import dev.tandem.peers.PeerMessage;
import dev.tandem.peers.StateSummary;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The peer links: one connection per pair, FIFO in each direction (TCP), broken by a lost packet,
 * a crash or a partition, and connected again once both ends can reach each other; a message may also
 * be dropped on a link that stays up (the real link's full queue). A one-way block
 * drops what flows that way until keepalive notices and breaks the connection.
 */
final class SimNetwork {
    private static final class Link {
        final String a;
        final String b;
        boolean up;
        boolean connecting;
        int generation;

        Link(String a, String b) {
            this.a = a;
            this.b = b;
        }
    }

    /** A deliberate fault for the bad-input tests: state transfers arrive with a changed entry. */
    boolean corruptTransfers;

    private final Simulation sim;
    private final Map<String, Link> links = new TreeMap<>();
    private final Set<String> blocked = new HashSet<>();
    /** Directions whose Entries are dropped while the connection stays up, as a full send queue drops them. */
    private final Set<String> droppingEntries = new HashSet<>();

    private final Map<String, Long> lastDelivery = new HashMap<>();
    private final Map<String, Map<Long, SimDisk.Transfer>> transfers = new HashMap<>();
    private long transferIds;

    SimNetwork(Simulation sim, List<String> names) {
        this.sim = sim;
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                links.put(key(names.get(i), names.get(j)), new Link(names.get(i), names.get(j)));
            }
        }
    }

    private static String key(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    private Link link(String a, String b) {
        return links.get(key(a, b));
    }

    void send(String from, String to, PeerMessage message) {
        if (message instanceof PeerMessage.Entries && droppingEntries.contains(from + ">" + to)) {
            return;
        }
        deliverLater(from, to, () -> sim.node(to).deliver(at -> new Input.Received(at, from, message)));
    }

    void sendState(String from, String to, Header header, StateSummary summary, SimDisk.Transfer transfer) {
        deliverLater(from, to, () -> arrived(from, to, header, summary, transfer));
    }

    private void deliverLater(String from, String to, Runnable delivery) {
        Link link = link(from, to);
        if (link == null || !link.up || blocked.contains(from + ">" + to)) {
            return;
        }
        if (sim.random().nextDouble() < sim.scenario().breakProbability()) {
            breakLink(link);
            return;
        }
        double drops = sim.scenario().dropProbability();
        if (drops > 0 && sim.random().nextDouble() < drops) {
            // Lost on a live connection: nothing tells either end, only the protocol's own checks notice. (No
            // draw without drops, so that the scripted tests' schedules stay what they were.)
            return;
        }
        String direction = from + ">" + to;
        long at = Math.max(sim.now() + sim.messageDelay(), lastDelivery.getOrDefault(direction, 0L));
        lastDelivery.put(direction, at);
        int generation = link.generation;
        sim.at(at, () -> {
            if (link.up && link.generation == generation) {
                delivery.run();
            }
        });
    }

    /** The receiver's driver stages and verifies a transfer before the machine sees it (ADR 0014 §3.7). */
    private void arrived(String from, String to, Header header, StateSummary summary, SimDisk.Transfer transfer) {
        SimNode node = sim.node(to);
        List<LogEntry> tail = transfer.tail();
        if (corruptTransfers && !tail.isEmpty()) {
            LogEntry first = tail.get(0);
            byte[] payload = first.payload().clone();
            payload[0] ^= 1;
            tail = new ArrayList<>(tail);
            tail.set(
                    0,
                    new LogEntry(
                            first.epoch(), first.index(), first.kind(), first.revision(), payload, first.checksum()));
        }
        Checksum prev = summary.base().checksum();
        for (LogEntry entry : tail) {
            if (!entry.follows(prev)) {
                node.deliver(at -> new Input.StateFailed(
                        at, from, header, "entry " + entry.index() + " does not follow the chain"));
                return;
            }
            prev = entry.checksum();
        }
        if (!prev.equals(summary.snapshotChecksum())) {
            node.deliver(
                    at -> new Input.StateFailed(at, from, header, "the entries do not reach the snapshot's checksum"));
            return;
        }
        long id = ++transferIds;
        SimDisk.Transfer verified = new SimDisk.Transfer(summary.base(), tail, transfer.tables(), transfer.revisions());
        transfers.computeIfAbsent(to, name -> new HashMap<>()).put(id, verified);
        List<EntryMeta> metas = tail.stream().map(LogEntry::meta).toList();
        node.deliver(at -> new Input.StateStaged(at, id, from, header, summary, metas));
    }

    SimDisk.Transfer staged(String node, long id) {
        Map<Long, SimDisk.Transfer> mine = transfers.get(node);
        return mine == null ? null : mine.remove(id);
    }

    void breakLink(String a, String b) {
        Link link = link(a, b);
        if (link != null && link.up) {
            breakLink(link);
        }
    }

    private void breakLink(Link link) {
        link.up = false;
        link.generation++;
        sim.node(link.a).deliver(at -> new Input.LinkChanged(at, link.b, false));
        sim.node(link.b).deliver(at -> new Input.LinkChanged(at, link.a, false));
        connectLater(link);
    }

    private void connectLater(Link link) {
        if (link.connecting) {
            return;
        }
        link.connecting = true;
        sim.after(sim.connectDelay(), () -> {
            link.connecting = false;
            if (link.up) {
                return;
            }
            if (sim.node(link.a).running()
                    && sim.node(link.b).running()
                    && !blocked.contains(link.a + ">" + link.b)
                    && !blocked.contains(link.b + ">" + link.a)) {
                link.up = true;
                link.generation++;
                sim.node(link.a).deliver(at -> new Input.LinkChanged(at, link.b, true));
                sim.node(link.b).deliver(at -> new Input.LinkChanged(at, link.a, true));
            } else {
                connectLater(link);
            }
        });
    }

    void nodeDown(String name) {
        for (Link link : links.values()) {
            if ((link.a.equals(name) || link.b.equals(name)) && link.up) {
                breakLink(link);
            }
        }
        transfers.remove(name);
    }

    void nodeUp(String name) {
        for (Link link : links.values()) {
            if (link.a.equals(name) || link.b.equals(name)) {
                connectLater(link);
            }
        }
    }

    void dropEntries(String from, String to, boolean dropping) {
        if (dropping) {
            droppingEntries.add(from + ">" + to);
        } else {
            droppingEntries.remove(from + ">" + to);
        }
    }

    void block(String from, String to) {
        blocked.add(from + ">" + to);
        Link link = link(from, to);
        // Keepalive notices a silent direction after a few seconds and breaks the connection.
        sim.after(sim.keepaliveDelay(), () -> {
            if (link.up && (blocked.contains(link.a + ">" + link.b) || blocked.contains(link.b + ">" + link.a))) {
                breakLink(link);
            }
        });
    }

    void unblock(String from, String to) {
        blocked.remove(from + ">" + to);
        connectLater(link(from, to));
    }

    void healAll() {
        for (String direction : List.copyOf(blocked)) {
            String[] ends = direction.split(">");
            unblock(ends[0], ends[1]);
        }
    }
}
