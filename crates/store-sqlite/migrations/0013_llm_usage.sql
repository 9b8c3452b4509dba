-- Baton store schema: symbolic first, counted (`baton llm stats`). Both tables are
-- append-only history, one row per journaled event, removed with their instance by a
-- prune. The prompts and answers stay in the journal; these rows keep the numbers.

-- `llm_called@1`: a request to a language model, or an answer taken from the cache.
CREATE TABLE llm_calls (
    id          INTEGER PRIMARY KEY,
    instance    INTEGER NOT NULL,
    job         INTEGER NOT NULL,
    process_id  TEXT NOT NULL,
    element_id  TEXT NOT NULL,
    provider    TEXT NOT NULL,
    model       TEXT NOT NULL,
    tokens_in   INTEGER NOT NULL,
    tokens_out  INTEGER NOT NULL,
    cost_micros INTEGER NOT NULL,
    latency_ms  INTEGER NOT NULL,
    cache_hit   INTEGER NOT NULL,
    valid       INTEGER NOT NULL,
    answered    INTEGER NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX llm_calls_by_instance ON llm_calls (instance);
CREATE INDEX llm_calls_by_process ON llm_calls (process_id);

-- `decision_routed@1`: a business rule task with an LLM fallback decided by its table
-- (`rule`) or asked the model (`llm`).
CREATE TABLE decision_routes (
    id          INTEGER PRIMARY KEY,
    instance    INTEGER NOT NULL,
    key         INTEGER NOT NULL,
    process_id  TEXT NOT NULL,
    element_id  TEXT NOT NULL,
    route       TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX decision_routes_by_instance ON decision_routes (instance);
CREATE INDEX decision_routes_by_process ON decision_routes (process_id);
