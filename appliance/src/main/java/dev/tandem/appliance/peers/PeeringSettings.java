package dev.tandem.appliance.peers;

import dev.tandem.appliance.peers.GrpcPeerLink.Address;
import dev.tandem.peers.NodeSettings;
import dev.tandem.peers.Replication;
import dev.tandem.peers.Timing;
import dev.tandem.xds.model.YamlFields;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code peering}, {@code replication} and {@code failover} sections of the appliance config
 * (ADR 0014 §8): who the members are, where this node's peer link listens, and the protocol's
 * timing. Until membership changes are built (ADR 0014 §15) the configured members are the
 * membership, on every start.
 *
 * @param listen where this node's peer link listens
 * @param members every member, this node included, sorted by name
 * @param leaseStore the lease lives beside the exports in S3 ({@code export.s3} is configured)
 */
public record PeeringSettings(
        Address listen,
        List<Member> members,
        Replication replication,
        boolean automaticFailover,
        boolean allowDataLoss,
        boolean failsafe,
        boolean leaseStore,
        Timing timing) {

    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final Duration HOUR = Duration.ofHours(1);

    /**
     * One member as the others and clients reach it.
     *
     * @param admin its admin API's base URL: where a write sent to a standby is redirected (421)
     * @param xds its xDS endpoint, for data-plane bootstraps
     * @param link its peer link
     */
    public record Member(String name, URI admin, Address xds, Address link) {}

    public PeeringSettings {
        members =
                members.stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    public Optional<Member> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /**
     * Reads {@code peering}, {@code replication} and {@code failover} from the top of the appliance
     * config; empty when {@code peering} is absent (a standalone node). Every problem is recorded on
     * {@code top}.
     *
     * @param s3 whether {@code export.s3} is configured: the lease store
     */
    public static Optional<PeeringSettings> read(YamlFields top, String self, boolean s3) {
        boolean hasPeering = top.has("peering");
        if (!hasPeering) {
            for (String key : List.of("replication", "failover")) {
                if (top.has(key)) {
                    top.error(key, "needs a peering section: a node without peers replicates to nobody");
                }
            }
            return Optional.empty();
        }
        Replication replication = top.choice(
                "replication", Replication.SYNC, Map.of("sync", Replication.SYNC, "async", Replication.ASYNC));
        YamlFields failover = top.object("failover");
        boolean automatic = failover.bool("automatic", false);
        Timing defaults = Timing.defaults();
        Duration after = failover.duration("after", Duration.ofNanos(defaults.failoverAfter()), SECOND, HOUR);
        boolean allowDataLoss = failover.bool("allowDataLoss", false);
        failover.finish();
        if (automatic && !s3) {
            top.error(
                    "failover",
                    "automatic: true needs a lease store: configure export.s3 (the lease lives beside the exports)");
        }

        YamlFields p = top.object("peering");
        Address listen = address(p, "listen", "0.0.0.0:18100");
        List<Member> members = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (YamlFields m : p.objects("members")) {
            String name = m.requiredString("name");
            String admin = m.requiredString("admin");
            Address xds = address(m, "xds", null);
            Address link = address(m, "link", null);
            URI adminUrl = admin == null ? null : adminUrl(m, admin);
            m.finish();
            if (name != null && !names.add(name)) {
                m.error("name", "'" + name + "' is listed twice");
            }
            if (name != null && adminUrl != null && xds != null && link != null) {
                members.add(new Member(name, adminUrl, xds, link));
            }
        }
        if (!names.contains(self)) {
            p.error("members", "must list this node ('" + self + "', node.id) with the others");
        } else if (names.size() < 2) {
            p.error("members", "must list at least one other peer beside this node");
        }
        Duration syncTimeout = p.duration("syncTimeout", Duration.ofNanos(defaults.syncTimeout()), SECOND, HOUR);
        Duration writeWait = p.duration("writeWait", Duration.ofNanos(defaults.writeWait()), SECOND, HOUR);
        Duration switchTimeout = p.duration("switchTimeout", Duration.ofNanos(defaults.switchTimeout()), SECOND, HOUR);
        Integer maxServeLag = p.integer("maxServeLag", 0, 1_000_000);
        boolean failsafe = p.bool("failsafe", true);
        YamlFields log = p.object("log");
        Integer retain = log.integer("retainEntries", 100, 100_000_000);
        log.finish();
        YamlFields lease = p.object("lease");
        Duration ttl = lease.duration("ttl", Duration.ofNanos(defaults.ttl()), SECOND, HOUR);
        Duration margin = lease.duration("safetyMargin", Duration.ofNanos(defaults.safetyMargin()), MS, HOUR);
        Duration renew = lease.duration("renewInterval", Duration.ofNanos(defaults.renewInterval()), MS, HOUR);
        Duration attempt = lease.duration("s3AttemptTimeout", Duration.ofNanos(defaults.s3AttemptTimeout()), MS, HOUR);
        lease.finish();
        p.finish();
        Timing timing = new Timing(
                ttl.toNanos(),
                margin.toNanos(),
                renew.toNanos(),
                attempt.toNanos(),
                defaults.s3Attempts(),
                after.toNanos(),
                defaults.leasePoll(),
                defaults.driftPpm(),
                syncTimeout.toNanos(),
                writeWait.toNanos(),
                switchTimeout.toNanos(),
                defaults.heartbeat(),
                defaults.ackInterval(),
                defaults.callTimeout(),
                maxServeLag == null ? defaults.maxServeLag() : maxServeLag,
                retain == null ? defaults.retainEntries() : retain);
        timing.problems().forEach(problem -> top.error("peering", problem));
        return Optional.of(
                new PeeringSettings(listen, members, replication, automatic, allowDataLoss, failsafe, s3, timing));
    }

    /** {@code host:port}, {@code [v6]:port}; {@code fallback} null makes it required. */
    private static Address address(YamlFields fields, String key, String fallback) {
        String text = fallback == null ? fields.requiredString(key) : fields.string(key, fallback);
        if (text == null) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (!host.isBlank() && port >= 0 && port <= 65535) {
                return new Address(host, port);
            }
        } catch (NumberFormatException e) {
            // Reported below with the expected shape.
        }
        fields.error(key, "'" + text + "' is not host:port (for example 10.0.0.2:18100)");
        return null;
    }

    private static URI adminUrl(YamlFields fields, String text) {
        try {
            URI uri = new URI(text);
            if ("https".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // Reported below with the expected shape.
        }
        fields.error(
                "admin", "'" + text + "' is not an https URL with host and port (for example https://10.0.0.2:9090)");
        return null;
    }

    /** The machine's settings for {@code self}. */
    public NodeSettings node(String cluster, String self) {
        return new NodeSettings(
                cluster,
                self,
                members.stream().map(Member::name).toList(),
                replication,
                leaseStore,
                automaticFailover,
                allowDataLoss,
                failsafe);
    }
}
