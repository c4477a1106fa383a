-- One-time tokens with which a data plane obtains its client certificate. Only hashes are kept.
CREATE TABLE join_token (
    token_hash VARCHAR(64)              NOT NULL PRIMARY KEY,
    node_group VARCHAR(128)             NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at    TIMESTAMP WITH TIME ZONE,
    used_by    VARCHAR(128),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by VARCHAR(200)             NOT NULL
);
