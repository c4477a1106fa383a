-- Every applied gateway config, in full, as the operator sent it.
CREATE TABLE revision (
    number         BIGINT                   NOT NULL PRIMARY KEY,
    documents      CLOB                     NOT NULL,
    document_count INT                      NOT NULL,
    applied_by     VARCHAR(200)             NOT NULL,
    applied_from   VARCHAR(200)             NOT NULL,
    applied_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
