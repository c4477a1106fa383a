package dev.tandem.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.appliance.Jackson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code tandem apply -f FILE}: validates and stores a gateway config as the next revision. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Apply a gateway config (YAML, one or more documents) as a new revision.")
final class ApplyCommand implements Callable<Integer> {

    @Mixin
    ConfigFileOption config;

    @Mixin
    ServerOption server;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Optional<String> text = config.read();
        if (text.isEmpty()) {
            return TandemCommand.FAILED;
        }
        String yaml = text.get();
        Path file = config.file;
        var maybeClient = server.clientFor(spec);
        if (maybeClient.isEmpty()) {
            return TandemCommand.FAILED;
        }
        AdminClient client = maybeClient.get();
        HttpResponse<String> response;
        try {
            response = client.post("api/v1/apply", "application/yaml", yaml);
        } catch (IOException e) {
            err.println("tandem apply: " + client.describe(e));
            return TandemCommand.FAILED;
        }
        JsonNode body = parse(response.body());
        if (response.statusCode() == 200 || response.statusCode() == 201) {
            long revision = body.path("revision").asLong();
            if (body.path("unchanged").asBoolean()) {
                out.println("unchanged: " + file + " is the config of revision " + revision);
            } else {
                out.println("applied " + file + " as revision " + revision + " (node groups " + body.path("nodeGroups") + ")");
            }
            return 0;
        }
        err.println("tandem apply: refused (HTTP " + response.statusCode() + "): " + body.path("error").asText(response.body()));
        body.path("details").forEach(d -> err.println("  " + d.asText()));
        return response.statusCode() < 500 ? TandemCommand.REFUSED : TandemCommand.FAILED;
    }

    private static JsonNode parse(String text) {
        try {
            return Jackson.MAPPER.readTree(text);
        } catch (IOException e) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }
}
