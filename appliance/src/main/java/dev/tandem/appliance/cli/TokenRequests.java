package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.appliance.Jackson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Map;

/** The shared part of commands that send JSON to the admin API and print what came back, or why not. */
final class TokenRequests {

    private static final ObjectMapper JSON = Jackson.MAPPER;

    private TokenRequests() {
    }

    /** POSTs {@code body} as JSON to {@code path}; prints the token on 201, the reason otherwise. */
    static int createAndPrint(ServerOption server, picocli.CommandLine.Model.CommandSpec spec, String path,
                              Map<String, String> body) throws IOException, InterruptedException {
        var maybeClient = server.clientFor(spec);
        if (maybeClient.isEmpty()) {
            return TandemCommand.FAILED;
        }
        Reply reply = post(maybeClient.get(), spec, path, body, 201);
        if (reply.exit() != 0) {
            return reply.exit();
        }
        spec.commandLine().getOut().println(reply.json().path("token").asText());
        if (reply.json().hasNonNull("caFingerprint")) {
            // On stderr: stdout stays the token alone, for scripts.
            spec.commandLine().getErr().println("on the data plane: tandem bootstrap --join <token> --server " + maybeClient.get().server()
                    + " --ca-fingerprint " + reply.json().path("caFingerprint").asText());
            spec.commandLine().getErr().flush();
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The answer, or the exit code of a command that could not get it (0 when it did). */
    record Reply(JsonNode json, int exit) {
    }

    /**
     * Sends {@code body} (null: a GET) and returns the reply when its status is {@code expected};
     * otherwise prints why to stderr and returns the exit code: refused (4xx) or failed.
     */
    /** {@link #post} through the server the options name; a client that cannot be set up is a failure, said. */
    static Reply call(ServerOption server, picocli.CommandLine.Model.CommandSpec spec, String method, String path, Object body,
                      int expected) throws IOException, InterruptedException {
        var client = server.clientFor(spec);
        if (client.isEmpty()) {
            return new Reply(null, TandemCommand.FAILED);
        }
        return method.equals("DELETE") ? delete(client.get(), spec, path) : post(client.get(), spec, path, body, expected);
    }

    static Reply delete(AdminClient client, picocli.CommandLine.Model.CommandSpec spec, String path)
            throws IOException, InterruptedException {
        return send(client, spec, () -> client.delete(path), 200);
    }

    static Reply post(AdminClient client, picocli.CommandLine.Model.CommandSpec spec, String path, Object body,
                      int expected) throws IOException, InterruptedException {
        return send(client, spec, () -> body == null ? client.get(path)
                : client.post(path, "application/json", JSON.writeValueAsString(body)), expected);
    }

    private interface Call {
        HttpResponse<String> send() throws IOException, InterruptedException;
    }

    private static Reply send(AdminClient client, picocli.CommandLine.Model.CommandSpec spec, Call call,
                              int expected) throws IOException, InterruptedException {
        String command = "tandem " + spec.qualifiedName(" ").replaceFirst("^tandem ", "");
        var err = spec.commandLine().getErr();
        HttpResponse<String> response;
        try {
            response = call.send();
        } catch (IOException e) {
            err.println(command + ": " + client.describe(e));
            err.flush();
            return new Reply(null, TandemCommand.FAILED);
        }
        JsonNode reply;
        try {
            reply = JSON.readTree(response.body());
        } catch (IOException e) {
            reply = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        if (response.statusCode() != expected) {
            err.println(command + ": refused (HTTP " + response.statusCode() + "): " + reply.path("error").asText(response.body())
                    + (reply.path("details").isEmpty() ? "" : ": " + reply.path("details").path(0).asText())
                    + (response.statusCode() == 401 ? " (give the admin token with --token-file or $TANDEM_TOKEN)" : ""));
            err.flush();
            return new Reply(reply, response.statusCode() < 500 ? TandemCommand.REFUSED : TandemCommand.FAILED);
        }
        return new Reply(reply, 0);
    }
}
