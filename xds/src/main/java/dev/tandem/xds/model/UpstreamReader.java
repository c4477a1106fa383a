package dev.tandem.xds.model;

import static com.google.common.base.Strings.nullToEmpty;

import dev.tandem.xds.model.Upstream.Endpoint;
import dev.tandem.xds.model.Upstream.Locality;
import dev.tandem.xds.model.Upstream.UpstreamProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code spec} of an {@code Upstream} document: its endpoints, connection settings, outlier
 * detection, load balancing and TLS; {@link HealthCheckReader} reads its health check.
 */
final class UpstreamReader {

    private static final int MIN_WEIGHT = 1;
    private static final int MAX_WEIGHT = 1000;
    private static final Duration MIN_CONNECT_TIMEOUT = Duration.ofMillis(1);
    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(5);
    private static final int MAX_PERCENT = 100;
    private static final int MAX_CONSECUTIVE_FAILURES = 1000;
    private static final Duration MIN_EJECTION_DURATION = Duration.ofMillis(100);
    private static final Duration MAX_EJECTION_DURATION = Duration.ofHours(1);

    private UpstreamReader() {}

    static Upstream read(String name, YamlFields spec) {
        List<YamlFields> rawEndpoints = spec.objects("endpoints");
        if (rawEndpoints.isEmpty()) {
            spec.error("endpoints", "must list at least one endpoint");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (YamlFields e : rawEndpoints) {
            endpoints.add(endpoint(e));
        }
        Duration connectTimeout = spec.duration(
                "connectTimeout", Upstream.DEFAULT_CONNECT_TIMEOUT, MIN_CONNECT_TIMEOUT, MAX_CONNECT_TIMEOUT);
        UpstreamProtocol protocol = spec.choice("protocol", Upstream.DEFAULT_PROTOCOL);
        HealthCheck healthCheck = spec.has("healthCheck") ? HealthCheckReader.read(spec.object("healthCheck")) : null;
        OutlierDetection outliers =
                spec.has("outlierDetection") ? outlierDetection(spec.object("outlierDetection")) : null;
        Integer panic = spec.integer("healthyPanicThreshold", 0, MAX_PERCENT);
        Upstream.LoadBalancing lb = spec.choice("loadBalancing", Upstream.DEFAULT_LOAD_BALANCING);
        Upstream.Tls tls = spec.has("tls") ? tls(spec.object("tls")) : null;
        return new Upstream(name, endpoints, connectTimeout, protocol, healthCheck, outliers, panic, lb, tls);
    }

    private static Endpoint endpoint(YamlFields e) {
        String address = e.requiredString("address");
        if (address != null && !Addresses.isIpLiteral(address)) {
            e.error("address", "'" + address + "' is not an IP address (EDS endpoints are not resolved through DNS)");
        }
        Integer port = e.requiredInteger("port", Addresses.MIN_PORT, Addresses.MAX_PORT);
        YamlFields l = e.object("locality");
        Locality locality = new Locality(l.string("region", ""), l.string("zone", ""), l.string("subZone", ""));
        l.finish();
        Integer weight = e.integer("weight", MIN_WEIGHT, MAX_WEIGHT);
        boolean drain = e.bool("drain", false);
        e.finish();
        // An invalid port reads as 0, which the validator knows has been reported already.
        return new Endpoint(
                nullToEmpty(address),
                port == null ? 0 : port,
                locality,
                weight == null ? Endpoint.DEFAULT_WEIGHT : weight,
                drain);
    }

    private static OutlierDetection outlierDetection(YamlFields od) {
        Integer consecutive5xx = od.integer("consecutive5xx", 0, MAX_CONSECUTIVE_FAILURES);
        Integer gateway = od.integer("consecutiveGatewayFailure", 0, MAX_CONSECUTIVE_FAILURES);
        Duration interval = od.duration(
                "interval", OutlierDetection.DEFAULT_INTERVAL, MIN_EJECTION_DURATION, MAX_EJECTION_DURATION);
        Duration ejection = od.duration(
                "baseEjectionTime",
                OutlierDetection.DEFAULT_BASE_EJECTION_TIME,
                MIN_EJECTION_DURATION,
                MAX_EJECTION_DURATION);
        Integer maxPercent = od.integer("maxEjectionPercent", 0, MAX_PERCENT);
        od.finish();
        return new OutlierDetection(
                consecutive5xx == null ? OutlierDetection.DEFAULT_CONSECUTIVE_5XX : consecutive5xx,
                gateway == null ? OutlierDetection.DEFAULT_CONSECUTIVE_GATEWAY_FAILURE : gateway,
                interval,
                ejection,
                maxPercent == null ? OutlierDetection.DEFAULT_MAX_EJECTION_PERCENT : maxPercent);
    }

    private static Upstream.Tls tls(YamlFields t) {
        Upstream.TlsMode mode = t.choice("mode", Upstream.Tls.DEFAULT_MODE);
        String sni = t.string("sni", "");
        String caRef = nullToEmpty(t.requiredString("caRef"));
        String certRef = t.string("certRef", "");
        if (mode == Upstream.TlsMode.MUTUAL && certRef.isEmpty()) {
            t.error("certRef", "is required for mode MUTUAL (the certificate Envoy presents)");
        } else if (mode == Upstream.TlsMode.SIMPLE && !certRef.isEmpty()) {
            t.error("certRef", "applies to mode MUTUAL only");
        }
        t.finish();
        return new Upstream.Tls(mode, sni, caRef, certRef);
    }
}
