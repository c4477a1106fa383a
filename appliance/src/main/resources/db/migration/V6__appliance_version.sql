-- Which Tandem version last ran on this database: named when an older version refuses to start on it.
CREATE TABLE appliance_version (
    id         INT                      NOT NULL PRIMARY KEY,
    version    VARCHAR(100)             NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL
);
