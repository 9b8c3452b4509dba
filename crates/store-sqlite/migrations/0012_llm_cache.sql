-- Baton store schema: answers of LLM tasks by the digest of the request that asked them,
-- reused until `expires_at` (a provider's `cache_ttl_secs`). A cache beside the journal:
-- no journal transaction writes it, and losing it loses nothing but saved requests. It
-- holds no API key: keys travel only in the request's Authorization header.

CREATE TABLE llm_cache (
    digest TEXT PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    answer TEXT NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    stored_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX llm_cache_by_expiry ON llm_cache (expires_at);
