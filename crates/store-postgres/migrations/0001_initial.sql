-- Baton's PostgreSQL schema, version 1: the SQLite store's schema of its migrations 0001 to
-- 0011 and 0013, in one step (PostgreSQL stores start here; their versions are numbered on
-- their own).
-- journal is the source of truth; every other table is a projection of it, written in the
-- same transaction as the journal rows it derives from. Ids and times (epoch milliseconds)
-- are BIGINT; JSON is TEXT, so that the journal's exact decimals and key order round-trip
-- byte for byte.

CREATE TABLE sequences (
    name TEXT PRIMARY KEY,
    next BIGINT NOT NULL
);
INSERT INTO sequences (name, next) VALUES ('instance', 1);

-- A deployed file's text, once per digest however many definitions it holds.
CREATE TABLE resources (
    digest TEXT PRIMARY KEY,
    source TEXT NOT NULL
);

-- Processes and decisions, versioned apart (a process and a decision may share an id).
CREATE TABLE definitions (
    kind          TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    version       BIGINT NOT NULL,
    resource_name TEXT   NOT NULL,
    digest        TEXT   NOT NULL,
    deployed_at   BIGINT NOT NULL,
    PRIMARY KEY (kind, id, version)
);

-- One row per command: the events it produced, as a JSON array. seq is the journal
-- position of the first event; the primary key rejects a second writer at the same spot,
-- also when that writer is another process working from a stale state.
CREATE TABLE journal (
    instance BIGINT NOT NULL,
    seq      BIGINT NOT NULL,
    at       BIGINT NOT NULL,
    events   TEXT   NOT NULL,
    PRIMARY KEY (instance, seq)
);

CREATE TABLE instances (
    instance   BIGINT PRIMARY KEY,
    process_id TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    state      TEXT   NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,
    updated_at BIGINT NOT NULL,
    -- The instance whose call activity started this one: a prune keeps a child while its
    -- parent runs.
    parent     BIGINT
);
CREATE INDEX instances_by_state ON instances (state, instance);
CREATE INDEX instances_by_process ON instances (process_id, instance);
CREATE INDEX instances_by_end ON instances (ended_at) WHERE ended_at IS NOT NULL;

CREATE TABLE element_instances (
    instance   BIGINT NOT NULL,
    key        BIGINT NOT NULL,
    element_id TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,
    PRIMARY KEY (instance, key)
);

-- worker and lease_deadline: the remote worker holding the job and until when
-- (job_activated@1), so that after a restart the job goes to nobody else before then.
CREATE TABLE jobs (
    instance       BIGINT NOT NULL,
    key            BIGINT NOT NULL,
    element_id     TEXT   NOT NULL,
    job_type       TEXT   NOT NULL,
    retries        BIGINT NOT NULL,
    state          TEXT   NOT NULL,
    due            BIGINT NOT NULL,
    error          TEXT,
    worker         TEXT,
    lease_deadline BIGINT,
    PRIMARY KEY (instance, key)
);
CREATE INDEX jobs_by_due ON jobs (state, due);

-- Candidates are JSON arrays of names, matched with json_array_elements_text.
CREATE TABLE user_tasks (
    instance         BIGINT NOT NULL,
    key              BIGINT NOT NULL,
    element_id       TEXT   NOT NULL,
    name             TEXT,
    process_id       TEXT   NOT NULL,
    state            TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    ended_at         BIGINT,
    assignee         TEXT,
    candidate_groups TEXT   NOT NULL DEFAULT '[]',
    candidate_users  TEXT   NOT NULL DEFAULT '[]',
    PRIMARY KEY (instance, key)
);
CREATE INDEX user_tasks_by_state ON user_tasks (state, instance);
CREATE INDEX user_tasks_by_assignee ON user_tasks (assignee, state);

CREATE TABLE incidents (
    instance    BIGINT NOT NULL,
    key         BIGINT NOT NULL,
    element_id  TEXT   NOT NULL,
    job         BIGINT,
    kind        TEXT   NOT NULL,
    message     TEXT   NOT NULL,
    state       TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT,
    PRIMARY KEY (instance, key)
);
CREATE INDEX incidents_by_state ON incidents (state, instance);
CREATE INDEX incidents_by_element ON incidents (element_id, instance);

CREATE TABLE variables (
    instance BIGINT NOT NULL,
    scope    BIGINT NOT NULL,
    name     TEXT   NOT NULL,
    value    TEXT   NOT NULL,
    PRIMARY KEY (instance, scope, name)
);

-- What instances wait for, and messages published before anyone waited for them.
CREATE TABLE timers (
    instance   BIGINT NOT NULL,
    key        BIGINT NOT NULL,
    element_id TEXT   NOT NULL,
    due        BIGINT NOT NULL,
    PRIMARY KEY (instance, key)
);
CREATE INDEX timers_due ON timers (due);

CREATE TABLE subscriptions (
    instance        BIGINT NOT NULL,
    key             BIGINT NOT NULL,
    element_id      TEXT   NOT NULL,
    kind            TEXT   NOT NULL,  -- 'message' or 'signal'
    name            TEXT   NOT NULL,
    correlation_key TEXT,
    PRIMARY KEY (instance, key)
);
CREATE INDEX subscriptions_wait ON subscriptions (kind, name, correlation_key);

CREATE TABLE messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT   NOT NULL,
    correlation_key TEXT   NOT NULL,
    variables       TEXT   NOT NULL,  -- a JSON object (the journal's value encoding)
    published_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX messages_wait ON messages (name, correlation_key, id);

-- Timer start events of deployed processes: one row per process and start event; a new
-- version of the process replaces its rows.
CREATE TABLE start_timers (
    process_id TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    element_id TEXT   NOT NULL,
    due        BIGINT NOT NULL,
    fired      BIGINT NOT NULL,  -- instances started so far
    PRIMARY KEY (process_id, element_id)
);
CREATE INDEX start_timers_due ON start_timers (due);

-- API tokens of `baton serve`, by the SHA-256 hash of their secret.
CREATE TABLE tokens (
    id          TEXT   NOT NULL PRIMARY KEY,
    secret_hash TEXT   NOT NULL UNIQUE,
    role        TEXT   NOT NULL,
    tenant      TEXT   NOT NULL,
    name        TEXT,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX tokens_tenant ON tokens (tenant, created_at);

-- Instances whose committed events have spans not yet exported (OpenTelemetry).
CREATE TABLE trace_outbox (
    instance BIGINT PRIMARY KEY,
    from_seq BIGINT NOT NULL,
    to_seq   BIGINT NOT NULL
);

-- The audit trail (baton_store::audit): one hash-chained record per externally caused
-- action, appended in the transaction of the change it describes. `actor` and `detail`
-- are JSON text, exactly what the chain hashes.
CREATE TABLE audit (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor          TEXT   NOT NULL,
    action         TEXT   NOT NULL,
    instance       BIGINT,
    detail         TEXT   NOT NULL,
    payload_digest TEXT,
    reason         TEXT,
    outcome        TEXT   NOT NULL,
    node           TEXT   NOT NULL,
    client         TEXT,
    hash           TEXT   NOT NULL
);
CREATE INDEX audit_by_instance ON audit (instance) WHERE instance IS NOT NULL;
CREATE INDEX audit_by_at ON audit (at);

CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);

-- Records are never changed or removed through Baton; this stops a slip, not an
-- attacker with the database (the hash chain and signed checkpoints are for that).
CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();

-- Holds on named resources (YAML phases' `resources:`), shared by every engine on the
-- database.
CREATE TABLE resource_holds (
    resource   TEXT   NOT NULL,
    holder     TEXT   NOT NULL,
    units      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (resource, holder)
);
CREATE INDEX resource_holds_by_holder ON resource_holds (holder);

-- Symbolic first, counted (`baton llm stats`): append-only history, one row per journaled
-- `llm_called@1` or `decision_routed@1`, removed with their instance by a prune.
CREATE TABLE llm_calls (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance    BIGINT  NOT NULL,
    job         BIGINT  NOT NULL,
    process_id  TEXT    NOT NULL,
    element_id  TEXT    NOT NULL,
    provider    TEXT    NOT NULL,
    model       TEXT    NOT NULL,
    tokens_in   BIGINT  NOT NULL,
    tokens_out  BIGINT  NOT NULL,
    cost_micros BIGINT  NOT NULL,
    latency_ms  BIGINT  NOT NULL,
    cache_hit   BOOLEAN NOT NULL,
    valid       BOOLEAN NOT NULL,
    answered    BOOLEAN NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX llm_calls_by_instance ON llm_calls (instance);
CREATE INDEX llm_calls_by_process ON llm_calls (process_id);

CREATE TABLE decision_routes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance    BIGINT NOT NULL,
    key         BIGINT NOT NULL,
    process_id  TEXT   NOT NULL,
    element_id  TEXT   NOT NULL,
    route       TEXT   NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX decision_routes_by_instance ON decision_routes (instance);
CREATE INDEX decision_routes_by_process ON decision_routes (process_id);
