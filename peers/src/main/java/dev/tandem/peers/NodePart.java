package dev.tandem.peers;

import java.util.List;

/**
 * A part of one node's machine. Every part sees the same {@link Node}: its state, its settings and
 * log, the actions the input being handled produces, and, through it, the other parts.
 */
abstract class NodePart {
    final Node node;
    final NodeSettings settings;
    final Timing timing;
    final LogIndex log;
    final List<Action> out;
    final ClientWrites writes;

    NodePart(Node node) {
        this.node = node;
        this.settings = node.settings;
        this.timing = node.timing;
        this.log = node.log;
        this.out = node.out;
        this.writes = node.writes;
    }
}
