-- Baton store schema, version 14: the instance list's filters (version, a process
-- variable's value, the business key, the start time) answer from indexes, so a page
-- of 100 among 100,000 instances takes milliseconds.

CREATE INDEX instances_by_version ON instances (process_id, version, instance);
CREATE INDEX instances_by_start ON instances (started_at);
-- Process variables by value (the root scope, key 1): the business key and `variable=`
-- filters.
CREATE INDEX variables_by_value ON variables (name, value) WHERE scope = 1;
