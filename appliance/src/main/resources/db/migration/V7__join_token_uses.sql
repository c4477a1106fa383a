-- Join tokens that may be used N times (autoscaled fleets of identical data planes): each use issues
-- a certificate for a different node id. Uses are counted on the token; the certificate records the
-- token that bought it, so one token cannot issue the same node id twice.
ALTER TABLE join_token ADD COLUMN max_uses INT NOT NULL DEFAULT 1;
ALTER TABLE join_token ADD COLUMN uses INT NOT NULL DEFAULT 0;
UPDATE join_token SET uses = 1 WHERE used_at IS NOT NULL;
ALTER TABLE certificate ADD COLUMN join_token_hash VARCHAR(64);
CREATE UNIQUE INDEX certificate_join_token_node ON certificate (join_token_hash, node_id);
