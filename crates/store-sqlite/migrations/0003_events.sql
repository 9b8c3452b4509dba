-- Baton store schema, version 3: what instances wait for (timers, message and signal
-- subscriptions) and messages published before anyone waited for them.

CREATE TABLE timers (
    instance   INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    element_id TEXT    NOT NULL,
    due        INTEGER NOT NULL,
    PRIMARY KEY (instance, key)
);
CREATE INDEX timers_due ON timers (due);

CREATE TABLE subscriptions (
    instance        INTEGER NOT NULL,
    key             INTEGER NOT NULL,
    element_id      TEXT    NOT NULL,
    kind            TEXT    NOT NULL,  -- 'message' or 'signal'
    name            TEXT    NOT NULL,
    correlation_key TEXT,
    PRIMARY KEY (instance, key)
);
CREATE INDEX subscriptions_wait ON subscriptions (kind, name, correlation_key);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    correlation_key TEXT    NOT NULL,
    variables       TEXT    NOT NULL,  -- a JSON object (the journal's value encoding)
    published_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX messages_wait ON messages (name, correlation_key);
