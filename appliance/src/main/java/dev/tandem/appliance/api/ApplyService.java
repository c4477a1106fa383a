package dev.tandem.appliance.api;

import dev.tandem.appliance.auth.AdminTokens;
import dev.tandem.appliance.revisions.RevisionWriter;
import dev.tandem.appliance.revisions.RevisionWriter.ApplyResult;
import dev.tandem.xds.model.GatewayConfig;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api/v1/apply}: a YAML gateway config in the body becomes the next revision. A config
 * that is not valid is refused whole by {@link ApiErrors}, every error of the file listed.
 */
final class ApplyService implements HttpService {

    private final RevisionWriter revisions;
    private final ApplyAdmission admission;

    ApplyService(RevisionWriter revisions, ApplyAdmission admission) {
        this.revisions = revisions;
        this.admission = admission;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/apply", this::apply);
    }

    private void apply(ServerRequest req, ServerResponse res) throws Exception {
        // An empty body is an empty config: refused by validation like any other, with a 400.
        String yaml = req.content().hasEntity() ? req.content().as(String.class) : "";
        String actor = req.context()
                .get(BearerTokenFilter.HOLDER, AdminTokens.Holder.class)
                .map(AdminTokens.Holder::name)
                .orElse("anonymous");
        String from = Callers.origin(req);
        GatewayConfig config = admission.call(() -> revisions.parse(yaml));
        ApplyResult result = revisions.apply(yaml, config, actor, from);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("revision", result.revision());
        body.put("unchanged", result.unchanged());
        body.put("nodeGroups", result.nodeGroups());
        body.put("versions", result.versions());
        // Stored either way (numbers are never reused); a publish that failed is retried until it succeeds.
        body.put("published", result.published());
        if (!result.published()) {
            body.put("publishError", result.publishError());
        }
        Json.send(res, result.unchanged() ? Status.OK_200 : Status.CREATED_201, body);
    }
}
