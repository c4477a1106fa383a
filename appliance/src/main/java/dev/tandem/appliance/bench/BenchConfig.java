package dev.tandem.appliance.bench;

import java.util.function.IntUnaryOperator;

/**
 * The gateway config a bench drives: {@code groups} Envoy node groups, each with one listener and
 * all {@code clusters} upstreams (one endpoint each) behind one route per upstream. A change is
 * either an endpoint moving (EDS only) or a route's timeout (RDS only).
 */
final class BenchConfig {

    private final int groups;
    private final int clusters;

    BenchConfig(int groups, int clusters) {
        this.groups = groups;
        this.clusters = clusters;
    }

    static String group(int g) {
        return "bench-" + g;
    }

    /** {@code endpointShift} moves one upstream's endpoint per step; {@code timeoutStep} changes one route's timeout. */
    String yaml(int endpointShift, int timeoutStep) {
        // Change n moves endpoint (n mod clusters); the one moved before goes back.
        return yaml(c -> c == endpointShift % clusters && endpointShift > 0 ? endpointShift : 0, timeoutStep);
    }

    /**
     * Endpoint churn: after {@code steps} steps of {@code batch} moves each, round robin over the
     * upstreams, so every step changes {@code batch} different assignments (at most one per upstream).
     */
    String churned(long steps, int batch, int timeoutStep) {
        long moves = steps * batch;
        return yaml(c -> (int) (moves > c ? (moves - 1 - c) / clusters + 1 : 0), timeoutStep);
    }

    private String yaml(IntUnaryOperator endpointMoves, int timeoutStep) {
        StringBuilder out = new StringBuilder();
        StringBuilder gateways = new StringBuilder();
        for (int g = 0; g < groups; g++) {
            out.append("kind: Gateway\nmetadata: {name: ")
                    .append(group(g))
                    .append("}\nspec: {nodeGroup: ")
                    .append(group(g))
                    .append(", listeners: [{name: http, port: 10000}]}\n---\n");
            gateways.append(g == 0 ? "" : ", ").append(group(g));
        }
        for (int c = 0; c < clusters; c++) {
            // Change n changes the timeout of route (n mod clusters); the one changed before goes back.
            int timeout = 15 + (timeoutStep > 0 && c == timeoutStep % clusters ? timeoutStep : 0);
            out.append("kind: Route\nmetadata: {name: r")
                    .append(c)
                    .append("}\nspec: {gateways: [")
                    .append(gateways)
                    .append("], hosts: [svc-")
                    .append(c)
                    .append(".bench.example], to: {upstream: u")
                    .append(c)
                    .append("}, timeout: ")
                    .append(timeout)
                    .append("s}\n---\n");
            int moved = endpointMoves.applyAsInt(c);
            out.append("kind: Upstream\nmetadata: {name: u")
                    .append(c)
                    .append("}\nspec: {endpoints: [{address: 10.")
                    .append(c / 250 % 250)
                    .append('.')
                    .append(c % 250)
                    .append('.')
                    .append(1 + moved % 250)
                    .append(", port: 8080}]}\n---\n");
        }
        return out.toString();
    }
}
