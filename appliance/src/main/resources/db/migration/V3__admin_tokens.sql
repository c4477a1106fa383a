-- Bearer tokens of the admin API. Only a SHA-256 of each token is kept; the token is shown once.
CREATE TABLE admin_token (
    name       VARCHAR(100)             NOT NULL PRIMARY KEY,
    role       VARCHAR(16)              NOT NULL,
    token_hash VARCHAR(64)              NOT NULL UNIQUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by VARCHAR(200)             NOT NULL
);
