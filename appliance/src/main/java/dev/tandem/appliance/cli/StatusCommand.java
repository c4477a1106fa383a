package dev.tandem.appliance.cli;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code tandem status}: prints the node's status document (role, revision, connected data planes). */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the node's role, revision and data planes.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ServerOption server;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var maybeClient = server.clientFor(spec);
        if (maybeClient.isEmpty()) {
            return TandemCommand.FAILED;
        }
        AdminClient client = maybeClient.get();
        HttpResponse<String> response;
        try {
            response = client.get("api/v1/status");
        } catch (IOException e) {
            spec.commandLine().getErr().println("tandem status: " + client.describe(e));
            return TandemCommand.FAILED;
        }
        if (response.statusCode() == 200) {
            spec.commandLine().getOut().print(response.body());
            spec.commandLine().getOut().flush();
            return 0;
        }
        var err = spec.commandLine().getErr();
        err.println("tandem status: refused (HTTP " + response.statusCode() + "): " + response.body().replaceAll("\\s+", " ").trim()
                + (response.statusCode() == 401 ? " (give the admin token with --token-file or $TANDEM_TOKEN)" : ""));
        err.flush();
        return response.statusCode() < 500 ? TandemCommand.REFUSED : TandemCommand.FAILED;
    }
}
