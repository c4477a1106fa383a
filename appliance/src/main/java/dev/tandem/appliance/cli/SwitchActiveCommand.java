package dev.tandem.appliance.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem switch-active [--to PEER]}: a planned change of active (ADR 0014 T13 to T17). The
 * active fences itself, waits until the target holds its last entry, and hands over the next epoch;
 * no acknowledged write is lost. Sent to a standby, it is redirected to the active once.
 */
@Command(
        name = "switch-active",
        mixinStandardHelpOptions = true,
        description = "Make another peer the active, without losing an acknowledged write.")
final class SwitchActiveCommand extends AdminCommand {

    @Option(
            names = "--to",
            description = "The peer to make active (default: the caught-up standby with the least lag).")
    String to;

    @Override
    int run(AdminCalls admin) throws InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        if (to != null) {
            body.put("to", to);
        }
        return admin.done(
                admin.post("api/v1/peers/switch-active", body, 200),
                answer -> "switched: " + answer.path("to").asText() + " is the active at epoch "
                        + answer.path("epoch").asLong() + " (was "
                        + answer.path("from").asText() + "; took "
                        + answer.path("tookMs").asLong() + " ms)");
    }
}
