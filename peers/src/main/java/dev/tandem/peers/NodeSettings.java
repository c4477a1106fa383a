package dev.tandem.peers;

import java.util.List;

/**
 * One node's protocol settings.
 *
 * @param members every member's name, this node's included (the replicated membership; for now the
 *     configured peers)
 * @param leaseStore whether an S3 lease store is configured
 */
public record NodeSettings(
        String cluster,
        String self,
        List<String> members,
        Replication replication,
        boolean leaseStore,
        boolean automaticFailover,
        boolean allowDataLoss,
        boolean failsafe) {

    public NodeSettings {
        members = members.stream().sorted().distinct().toList();
        if (!members.contains(self)) {
            throw new IllegalArgumentException("the members " + members + " do not name this node " + self);
        }
    }

    public List<String> others() {
        return members.stream().filter(name -> !name.equals(self)).toList();
    }

    public boolean alone() {
        return members.size() == 1;
    }
}
