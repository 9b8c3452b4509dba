-- Baton store schema, version 1.
-- journal is the source of truth; every other table is a projection of it, written in the
-- same transaction as the journal rows it derives from.

CREATE TABLE processes (
    process_id    TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    resource_name TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    digest        TEXT    NOT NULL,
    deployed_at   INTEGER NOT NULL,
    PRIMARY KEY (process_id, version)
);

CREATE TABLE sequences (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
);
INSERT INTO sequences (name, next) VALUES ('instance', 1);

-- One row per command: the events it produced, as a JSON array. seq is the journal
-- position of the first event; the primary key rejects a second writer at the same spot.
CREATE TABLE journal (
    instance INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    events   TEXT    NOT NULL,
    PRIMARY KEY (instance, seq)
) WITHOUT ROWID;

CREATE TABLE instances (
    instance   INTEGER PRIMARY KEY,
    process_id TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX instances_by_state ON instances (state, instance);
CREATE INDEX instances_by_process ON instances (process_id, instance);

CREATE TABLE element_instances (
    instance   INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    element_id TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    PRIMARY KEY (instance, key)
) WITHOUT ROWID;

CREATE TABLE jobs (
    instance   INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    element_id TEXT    NOT NULL,
    job_type   TEXT    NOT NULL,
    retries    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    due        INTEGER NOT NULL,
    error      TEXT,
    PRIMARY KEY (instance, key)
) WITHOUT ROWID;
CREATE INDEX jobs_by_due ON jobs (state, due);

CREATE TABLE user_tasks (
    instance   INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    element_id TEXT    NOT NULL,
    name       TEXT,
    process_id TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER,
    PRIMARY KEY (instance, key)
) WITHOUT ROWID;
CREATE INDEX user_tasks_by_state ON user_tasks (state, instance);

CREATE TABLE incidents (
    instance    INTEGER NOT NULL,
    key         INTEGER NOT NULL,
    element_id  TEXT    NOT NULL,
    job         INTEGER,
    kind        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    PRIMARY KEY (instance, key)
) WITHOUT ROWID;
CREATE INDEX incidents_by_state ON incidents (state, instance);

CREATE TABLE variables (
    instance INTEGER NOT NULL,
    scope    INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (instance, scope, name)
) WITHOUT ROWID;
