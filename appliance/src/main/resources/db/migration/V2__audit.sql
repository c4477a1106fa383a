-- Every write: who, when, from where, what, and the revision it produced (if any).
CREATE TABLE audit (
    id        BIGINT AUTO_INCREMENT PRIMARY KEY,
    at        TIMESTAMP WITH TIME ZONE NOT NULL,
    actor     VARCHAR(200)             NOT NULL,
    origin    VARCHAR(200)             NOT NULL,
    action    VARCHAR(64)              NOT NULL,
    detail    VARCHAR(2000)            NOT NULL,
    revision  BIGINT
);
CREATE INDEX audit_at ON audit (at);
