-- Client certificates the cluster CA issued (join and renewal), and the deny list the xDS server
-- checks: a certificate is revoked when revoked_at is set. Serials are lower-case hex.
CREATE TABLE certificate (
    serial        VARCHAR(64)              NOT NULL PRIMARY KEY,
    identity      VARCHAR(400)             NOT NULL,
    node_group    VARCHAR(128)             NOT NULL,
    node_id       VARCHAR(128)             NOT NULL,
    issued_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    issued_by     VARCHAR(200)             NOT NULL,
    renewed_from  VARCHAR(64),
    revoked_at    TIMESTAMP WITH TIME ZONE,
    revoked_by    VARCHAR(200),
    revoke_reason VARCHAR(400)
);
