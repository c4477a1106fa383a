-- One-time tokens with which a new host joins the cluster as a peer (tandem peer token create, then
-- tandem peer join): redeeming one hands the cluster CA and the export-signing key to that host, so a
-- token works once, for one member name, and only until it expires. Only hashes are kept. Replicated
-- like every table a write changes (ADR 0014 §3.2): a token used on one peer is used on all.
CREATE TABLE peer_token (
    token_hash VARCHAR(64)              NOT NULL PRIMARY KEY,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by VARCHAR(200)             NOT NULL,
    used_at    TIMESTAMP WITH TIME ZONE,
    used_by    VARCHAR(128)
);
CREATE TRIGGER capture_peer_token AFTER INSERT, UPDATE, DELETE ON peer_token FOR EACH ROW CALL 'dev.tandem.appliance.store.CaptureTrigger';
