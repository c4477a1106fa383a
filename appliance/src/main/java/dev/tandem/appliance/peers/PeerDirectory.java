package dev.tandem.appliance.peers;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where each member is: a write sent to a standby is redirected to the active's admin API (421 with
 * {@code Location}), {@code GET /api/v1/peers} lists them, and the peer link dials them. It starts
 * as the configured members; {@link #update} is for a member whose addresses are learnt after this
 * node started (tests start peers on ports picked at bind time).
 */
public final class PeerDirectory {
    private final String self;
    private final Map<String, PeeringSettings.Member> members = new ConcurrentSkipListMap<>();

    private PeerDirectory(String self, List<PeeringSettings.Member> members) {
        this.self = self;
        members.forEach(m -> this.members.put(m.name(), m));
    }

    /** A standalone node: no member to redirect to. */
    public static PeerDirectory alone(String self) {
        return new PeerDirectory(self, List.of());
    }

    public static PeerDirectory of(String self, PeeringSettings peering) {
        return new PeerDirectory(self, peering.members());
    }

    /** This node's name. */
    public String self() {
        return self;
    }

    /** Every member, sorted by name; empty on a standalone node. */
    public List<PeeringSettings.Member> members() {
        return List.copyOf(members.values());
    }

    public Optional<PeeringSettings.Member> member(String name) {
        return Optional.ofNullable(name == null ? null : members.get(name));
    }

    public Optional<URI> adminUrl(String member) {
        return member(member).map(PeeringSettings.Member::admin);
    }

    /** A member's addresses as learnt now; only for a member already listed. */
    public void update(PeeringSettings.Member member) {
        if (!members.containsKey(member.name())) {
            throw new IllegalArgumentException("'" + member.name() + "' is not a member: " + members.keySet());
        }
        members.put(member.name(), member);
    }
}
