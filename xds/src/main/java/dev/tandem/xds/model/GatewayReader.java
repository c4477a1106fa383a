package dev.tandem.xds.model;

import static com.google.common.base.Strings.nullToEmpty;

import dev.tandem.xds.model.Gateway.GatewayListener;
import dev.tandem.xds.model.Gateway.ListenerProtocol;
import java.util.ArrayList;
import java.util.List;

/** Reads the {@code spec} of a {@code Gateway} document: its node group, data plane kind, listeners and rollout. */
final class GatewayReader {

    private GatewayReader() {}

    static Gateway read(String name, YamlFields spec) {
        String nodeGroup = spec.requiredString("nodeGroup");
        DataPlaneKind dataPlane = spec.choice("dataPlane", Gateway.DEFAULT_DATA_PLANE, DataPlaneKind.BY_SPELLING);
        List<GatewayListener> listeners = new ArrayList<>();
        for (YamlFields l : spec.objects("listeners")) {
            listeners.add(listener(l));
        }
        YamlFields rollout = spec.object("rollout");
        boolean haltOnNack = rollout.bool("haltOnNack", Gateway.Rollout.DEFAULT.haltOnNack());
        rollout.finish();
        return new Gateway(name, nullToEmpty(nodeGroup), dataPlane, listeners, new Gateway.Rollout(haltOnNack));
    }

    private static GatewayListener listener(YamlFields l) {
        String listenerName = l.requiredString("name");
        if (listenerName != null && !ConfigLoader.NAME.matcher(listenerName).matches()) {
            l.error("name", "'" + listenerName + "' is not a valid name (lower-case letters, digits, '-' and '.')");
        }
        String address = l.string("address", GatewayListener.DEFAULT_ADDRESS);
        if (!Addresses.isIpLiteral(address)) {
            l.error("address", "'" + address + "' is not an IP address");
        }
        Integer port = l.requiredInteger("port", Addresses.MIN_PORT, Addresses.MAX_PORT);
        ListenerProtocol protocol = l.choice("protocol", GatewayListener.DEFAULT_PROTOCOL);
        String certRef = "";
        if (l.has("tls")) {
            YamlFields tls = l.object("tls");
            certRef = nullToEmpty(tls.requiredString("certRef"));
            tls.finish();
        }
        if (protocol == ListenerProtocol.HTTPS && !l.has("tls")) {
            l.error("tls", "is required for protocol HTTPS (tls: {certRef: <Secret>})");
        } else if (protocol == ListenerProtocol.HTTP && l.has("tls")) {
            l.error("tls", "applies to protocol HTTPS only");
        }
        l.finish();
        // An invalid port reads as 0, which the validator knows has been reported already.
        return new GatewayListener(nullToEmpty(listenerName), address, port == null ? 0 : port, protocol, certRef);
    }
}
