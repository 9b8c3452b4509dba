-- The instance list's filters (version, a process variable's value, the business key,
-- the start time) answer from indexes. Values are indexed by their md5: a value can be
-- longer than a B-tree entry may be, and the query checks the value itself as well.

CREATE INDEX instances_by_version ON instances (process_id, version, instance);
CREATE INDEX instances_by_start ON instances (started_at);
CREATE INDEX variables_by_value ON variables (name, md5(value)) WHERE scope = 1;
