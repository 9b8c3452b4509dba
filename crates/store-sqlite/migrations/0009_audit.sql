-- The audit trail (baton_store::audit): one hash-chained record per externally caused
-- action, appended in the transaction of the change it describes. Columns are exactly
-- what the chain hashes; `actor` and `detail` are JSON text.
CREATE TABLE audit (
    seq            INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    instance       INTEGER,
    detail         TEXT    NOT NULL,
    payload_digest TEXT,
    reason         TEXT,
    outcome        TEXT    NOT NULL,
    node           TEXT    NOT NULL,
    client         TEXT,
    hash           TEXT    NOT NULL
);
CREATE INDEX audit_by_instance ON audit (instance) WHERE instance IS NOT NULL;
CREATE INDEX audit_by_at ON audit (at);

-- The chain head (the last record's seq and hash), updated with every append, so a
-- deleted last record shows in `baton audit verify`.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);

-- Records are never changed or removed through Baton; these stop a slip, not an
-- attacker with the file (the hash chain and signed checkpoints are for that).
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
