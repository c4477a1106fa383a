package dev.tandem.xds.model;

import java.util.Comparator;
import java.util.List;

/**
 * The entry point of a node group: data planes whose {@code node.cluster} equals {@link #nodeGroup()}
 * receive this gateway's listeners and the routes attached to it.
 */
public record Gateway(
        String name, String nodeGroup, DataPlaneKind dataPlane, List<GatewayListener> listeners, Rollout rollout)
        implements Document {

    public static final DataPlaneKind DEFAULT_DATA_PLANE = DataPlaneKind.ENVOY;

    public Gateway {
        listeners = listeners.stream()
                .sorted(Comparator.comparing(GatewayListener::name))
                .toList();
    }

    @Override
    public Kind kind() {
        return Kind.Gateway;
    }

    /**
     * A socket a gateway listens on.
     *
     * @param certRef HTTPS only: the {@code Secret} (type CERTIFICATE) the listener presents
     */
    public record GatewayListener(String name, String address, int port, ListenerProtocol protocol, String certRef) {
        /** Every IPv4 interface. */
        public static final String DEFAULT_ADDRESS = "0.0.0.0";

        public static final ListenerProtocol DEFAULT_PROTOCOL = ListenerProtocol.HTTP;
    }

    public enum ListenerProtocol {
        HTTP,
        HTTPS
    }

    /**
     * How revisions roll out to the node group.
     *
     * @param haltOnNack once any node of the group rejects a revision, nodes that have not received it
     *                   yet do not get it; the next revision lifts the halt
     */
    public record Rollout(boolean haltOnNack) {
        public static final Rollout DEFAULT = new Rollout(false);
    }
}
