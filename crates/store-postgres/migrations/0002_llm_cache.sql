-- Baton's PostgreSQL schema, version 2 (SQLite's 0012): answers of LLM tasks by the digest
-- of the request that asked them, reused until `expires_at` (a provider's
-- `cache_ttl_secs`). A cache beside the journal: no journal transaction writes it, and
-- losing it loses nothing but saved requests. It holds no API key.

CREATE TABLE llm_cache (
    digest     TEXT   PRIMARY KEY,
    provider   TEXT   NOT NULL,
    model      TEXT   NOT NULL,
    answer     TEXT   NOT NULL,
    tokens_in  BIGINT NOT NULL,
    tokens_out BIGINT NOT NULL,
    stored_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX llm_cache_by_expiry ON llm_cache (expires_at);
