package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Map;

/** The shared part of the commands that ask the admin API for a token and print it, once. */
final class TokenRequests {

    private TokenRequests() {
    }

    /** POSTs {@code body} as JSON to {@code path}; prints the token on 201, the reason otherwise. */
    static int createAndPrint(ServerOption server, picocli.CommandLine.Model.CommandSpec spec, String path,
                              Map<String, String> body) throws IOException, InterruptedException {
        var maybeClient = server.clientFor(spec);
        if (maybeClient.isEmpty()) {
            return TandemCommand.FAILED;
        }
        AdminClient client = maybeClient.get();
        String command = "tandem " + spec.qualifiedName(" ").replaceFirst("^tandem ", "");
        HttpResponse<String> response;
        try {
            response = client.post(path, "application/json", new ObjectMapper().writeValueAsString(body));
        } catch (IOException e) {
            spec.commandLine().getErr().println(command + ": " + client.describe(e));
            return TandemCommand.FAILED;
        }
        JsonNode reply = new ObjectMapper().readTree(response.body());
        if (response.statusCode() != 201) {
            spec.commandLine().getErr().println(command + ": refused (HTTP " + response.statusCode() + "): "
                    + reply.path("error").asText() + ": " + reply.path("details").path(0).asText());
            return TandemCommand.REFUSED;
        }
        spec.commandLine().getOut().println(reply.path("token").asText());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
