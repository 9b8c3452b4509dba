-- Baton store schema, version 5: API tokens of `baton serve`. Only the SHA-256 hash of a
-- token's secret is stored; requests are looked up by it. Revoked tokens stay, with the
-- time they were revoked, so that old log lines naming their id can still be explained.

CREATE TABLE tokens (
    id          TEXT    NOT NULL PRIMARY KEY,  -- public id, for listing and revoking
    secret_hash TEXT    NOT NULL UNIQUE,       -- lowercase hex SHA-256 of the secret
    role        TEXT    NOT NULL,
    tenant      TEXT    NOT NULL,
    name        TEXT,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX tokens_tenant ON tokens (tenant, created_at);
