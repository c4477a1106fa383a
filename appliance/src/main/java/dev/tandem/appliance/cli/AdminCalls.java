package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.tandem.appliance.Jackson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A command's calls to the admin API, and what it says about them: a client that cannot be set up,
 * a server that cannot be reached and a refusal are said on stderr as {@code tandem <command>: ...}
 * and become the command's exit code (refused for a 4xx, failed otherwise).
 */
final class AdminCalls {

    private static final ObjectMapper JSON = Jackson.MAPPER;
    /** 421: the node asked is a standby; {@code Location} is the same request on the active. */
    private static final int MISDIRECTED = 421;

    private final ClientSource source;
    private final CommandSpec command;
    /** Set up at the first call. */
    private Optional<AdminClient> client = Optional.empty();

    /** @param source set up at the first call: a command that fails before calling never reads the options' files */
    AdminCalls(ClientSource source, CommandSpec command) {
        this.source = source;
        this.command = command;
    }

    /** Calls through a client the command set up itself (a data plane's, presenting its certificate or trusting a pinned CA). */
    static AdminCalls through(AdminClient client, CommandSpec command) {
        return new AdminCalls(() -> client, command);
    }

    /** Where the client comes from; its IOException says why it could not be set up. */
    interface ClientSource {
        AdminClient open() throws IOException;
    }

    /** One HTTP exchange with the admin API. */
    interface Request {
        HttpResponse<String> send(AdminClient client) throws IOException, InterruptedException;
    }

    /** The admin API's answer: its status, its body, and that body parsed (missing when it is not JSON). */
    record Answer(int status, String body, JsonNode json) {}

    /** The answer of a call, or no answer ({@link MissingNode}); {@code exit} is 0 when it is what was expected. */
    record Reply(JsonNode json, int exit) {

        /** A command that stopped before it had an answer, with its exit code. */
        static Reply failed(int exit) {
            return new Reply(MissingNode.getInstance(), exit);
        }
    }

    Reply get(String path) throws InterruptedException {
        return expect(send(client -> client.get(path)), 200);
    }

    Reply delete(String path) throws InterruptedException {
        return expect(send(client -> client.delete(path)), 200);
    }

    /** POSTs {@code body} as JSON. */
    Reply post(String path, Object body, int expected) throws InterruptedException {
        return expect(send(client -> client.post(path, "application/json", JSON.writeValueAsString(body))), expected);
    }

    /** POSTs no body; {@code expected} and {@code alsoExpected} are both answers as expected. */
    Reply postEmpty(String path, int expected, int alsoExpected) throws InterruptedException {
        Optional<Answer> answer = send(client -> client.post(path, "application/json", ""));
        return answer.isPresent() && answer.get().status() == alsoExpected
                ? new Reply(answer.get().json(), 0)
                : expect(answer, expected);
    }

    /** The answer whatever its status, or empty after saying why there is none. */
    Optional<Answer> send(Request request) throws InterruptedException {
        AdminClient opened;
        HttpResponse<String> response;
        try {
            opened = client();
        } catch (IOException e) {
            say(e.getMessage());
            return Optional.empty();
        }
        try {
            response = request.send(opened);
            Optional<String> location = response.headers().firstValue("Location");
            if (response.statusCode() == MISDIRECTED && location.isPresent()) {
                // A write sent to a standby: followed once, to the active it names (tokens are replicated).
                JsonNode refusal = parse(response.body());
                AdminClient active = opened.at(URI.create(location.get()));
                say(refusal.path("details").path(0).asText("this node is a standby") + ": sent to the active "
                        + refusal.path("active").path("name").asText("") + " (" + active.server() + ")");
                client = Optional.of(active);
                opened = active;
                response = request.send(active);
            }
        } catch (IOException e) {
            say(opened.describe(e));
            return Optional.empty();
        }
        return Optional.of(new Answer(response.statusCode(), response.body(), parse(response.body())));
    }

    /**
     * The body of {@code GET path} whatever its status, or a missing node when there is none; nothing
     * is said: for what a summary shows when it can be had.
     */
    JsonNode bodyIfAny(String path) {
        try {
            return parse(client().get(path).body());
        } catch (IOException e) {
            return MissingNode.getInstance();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MissingNode.getInstance();
        }
    }

    /** {@code GET path}, printed in the chosen format; {@code text} renders the summary. */
    int show(String path, OutputOption output, Function<JsonNode, String> text) throws InterruptedException {
        Reply reply = get(path);
        if (reply.exit() == 0) {
            output.print(command.commandLine().getOut(), reply.json(), () -> text.apply(reply.json()));
        }
        return reply.exit();
    }

    /** After a call that was answered as expected, prints the line {@code done} makes of the answer. */
    int done(Reply reply, Function<JsonNode, String> done) {
        if (reply.exit() == 0) {
            command.commandLine().getOut().println(done.apply(reply.json()));
            command.commandLine().getOut().flush();
        }
        return reply.exit();
    }

    /** The next step after a token is created, from the server's URL and the CA's fingerprint. */
    interface NextStep {
        String say(String server, String caFingerprint);
    }

    /** POSTs {@code body}; on 201 prints the new token alone on stdout (for scripts), the data plane's next step on stderr. */
    int createToken(String path, Map<String, String> body) throws InterruptedException {
        return createToken(
                path,
                body,
                (server, fingerprint) -> "on the data plane: tandem bootstrap --join <token> --server " + server
                        + " --ca-fingerprint " + fingerprint);
    }

    /** POSTs {@code body}; on 201 prints the new token alone on stdout (for scripts), {@code next} on stderr. */
    int createToken(String path, Map<String, String> body, NextStep next) throws InterruptedException {
        Reply reply = post(path, body, 201);
        if (reply.exit() != 0) {
            return reply.exit();
        }
        command.commandLine().getOut().println(reply.json().path("token").asText());
        if (reply.json().hasNonNull("caFingerprint")) {
            command.commandLine()
                    .getErr()
                    .println(next.say(
                            client.orElseThrow().server(),
                            reply.json().path("caFingerprint").asText()));
            command.commandLine().getErr().flush();
        }
        command.commandLine().getOut().flush();
        return 0;
    }

    private Reply expect(Optional<Answer> answer, int expected) {
        if (answer.isEmpty()) {
            return Reply.failed(TandemCommand.FAILED);
        }
        Answer a = answer.get();
        if (a.status() == expected) {
            return new Reply(a.json(), 0);
        }
        say("refused (HTTP " + a.status() + "): " + a.json().path("error").asText(a.body())
                + (a.json().path("details").isEmpty()
                        ? ""
                        : ": " + a.json().path("details").path(0).asText())
                + (a.status() == 401 ? " (give the admin token with --token-file or $TANDEM_TOKEN)" : ""));
        return new Reply(a.json(), a.status() < 500 ? TandemCommand.REFUSED : TandemCommand.FAILED);
    }

    /** The same token and trust for the admin API at {@code server}: another peer of the cluster (tokens replicate). */
    AdminClient clientFor(URI server) throws IOException {
        return client().at(server);
    }

    AdminClient client() throws IOException {
        if (client.isEmpty()) {
            client = Optional.of(source.open());
        }
        return client.get();
    }

    private void say(String message) {
        PrintWriter err = command.commandLine().getErr();
        err.println("tandem " + command.qualifiedName(" ").replaceFirst("^tandem ", "") + ": " + message);
        err.flush();
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }
}
