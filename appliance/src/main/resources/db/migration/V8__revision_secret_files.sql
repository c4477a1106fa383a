-- The PEM files a revision's Secrets name (caFile, certificateFile, privateKeyFile), as they were
-- read when it was applied: a start, a restore and (with peers) a standby serve these bytes, never
-- what the host's files hold later. Revisions stored before this table have secret_files_kept FALSE
-- and are still resolved from the host's files.
ALTER TABLE revision ADD COLUMN secret_files_kept BOOLEAN DEFAULT FALSE NOT NULL;

CREATE TABLE revision_secret_file (
    revision_number BIGINT        NOT NULL REFERENCES revision (number),
    path            VARCHAR(4096) NOT NULL,
    content         CLOB          NOT NULL,
    PRIMARY KEY (revision_number, path)
);
