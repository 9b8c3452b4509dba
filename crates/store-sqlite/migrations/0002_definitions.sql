-- Baton store schema, version 2: deployments hold decisions as well as processes.
-- A process and a decision may share an id, so the kind is part of the key.

CREATE TABLE definitions (
    kind          TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    resource_name TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    digest        TEXT    NOT NULL,
    deployed_at   INTEGER NOT NULL,
    PRIMARY KEY (kind, id, version)
);

INSERT INTO definitions (kind, id, version, resource_name, source, digest, deployed_at)
    SELECT 'process', process_id, version, resource_name, source, digest, deployed_at FROM processes;

DROP TABLE processes;
