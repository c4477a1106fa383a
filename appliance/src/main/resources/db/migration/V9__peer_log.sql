-- The replicated log (ADR 0014 §2.2, §3): this node's position in it and its entries. Local tables:
-- never replicated themselves. Every replicated table gets a row trigger that records each change
-- of the write running, so the change travels in that write's log entry (CaptureTrigger).

CREATE TABLE peer_state (
    id                     INT          NOT NULL PRIMARY KEY,
    current_epoch          BIGINT       NOT NULL,
    epoch_active           VARCHAR(200),
    role_intent            VARCHAR(16)  NOT NULL,
    commit_index           BIGINT       NOT NULL,
    served_epoch           BIGINT       NOT NULL,
    served_revision        BIGINT       NOT NULL,
    served_index           BIGINT       NOT NULL,
    sync_standby           VARCHAR(200),
    base_index             BIGINT       NOT NULL,
    base_entry_epoch       BIGINT       NOT NULL,
    base_checksum          BINARY(32)   NOT NULL,
    base_identity_epoch    BIGINT       NOT NULL,
    base_identity_revision BIGINT       NOT NULL,
    base_max_revision      BIGINT       NOT NULL,
    -- where each epoch's entries begin below the base: "epoch:firstIndex" joined by commas
    base_epochs            CLOB         NOT NULL
);

CREATE TABLE peer_log (
    idx        BIGINT                   NOT NULL PRIMARY KEY,
    epoch      BIGINT                   NOT NULL,
    kind       VARCHAR(64)              NOT NULL,
    revision   BIGINT                   NOT NULL,
    payload    BLOB                     NOT NULL,
    checksum   BINARY(32)               NOT NULL,
    written_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Entries moved aside when this node's log forked from the active's (ADR 0014 §3.8): kept, never dropped.
CREATE TABLE peer_diverged (
    epoch             BIGINT                   NOT NULL,
    idx               BIGINT                   NOT NULL,
    kind              VARCHAR(64)              NOT NULL,
    revision          BIGINT                   NOT NULL,
    payload           BLOB                     NOT NULL,
    checksum          BINARY(32)               NOT NULL,
    written_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    replaced_by_epoch BIGINT                   NOT NULL,
    moved_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (epoch, idx)
);

CREATE TRIGGER capture_revision AFTER INSERT, UPDATE, DELETE ON revision FOR EACH ROW CALL 'dev.tandem.appliance.store.CaptureTrigger';
CREATE TRIGGER capture_revision_secret_file AFTER INSERT, UPDATE, DELETE ON revision_secret_file FOR EACH ROW CALL 'dev.tandem.appliance.store.CaptureTrigger';
CREATE TRIGGER capture_audit AFTER INSERT, UPDATE, DELETE ON audit FOR EACH ROW CALL 'dev.tandem.appliance.store.CaptureTrigger';
CREATE TRIGGER capture_admin_token AFTER INSERT, UPDATE, DELETE ON admin_token FOR EACH ROW CALL 'dev.tandem.appliance.store.CaptureTrigger';
CREATE TRIGGER capture_join_token AFTER INSERT, UPDATE, DELETE ON join_token FOR EACH ROW CALL 'dev.tandem.appliance.store.CaptureTrigger';
CREATE TRIGGER capture_certificate AFTER INSERT, UPDATE, DELETE ON certificate FOR EACH ROW CALL 'dev.tandem.appliance.store.CaptureTrigger';
