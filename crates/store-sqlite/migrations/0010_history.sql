-- Baton store schema: history queries and retention.
-- `parent` is the instance whose call activity started this one: a prune keeps a child
-- while its parent runs. Instances from before are given theirs from their journal's
-- first event (`instance_created@1`, whose optional `parent` names it).

ALTER TABLE instances ADD COLUMN parent INTEGER;
UPDATE instances SET parent = (
    SELECT json_extract(j.events, '$[0].parent.instance') FROM journal j
    WHERE j.instance = instances.instance AND j.seq = 0
);

-- A prune looks for ended instances by when they ended.
CREATE INDEX instances_by_end ON instances (ended_at) WHERE ended_at IS NOT NULL;
-- Per-element aggregates of a process version go from its instances to their element
-- instances by primary key; no index on element_id, which every element instance written
-- would have to update (history filtered by element alone scans).
CREATE INDEX incidents_by_element ON incidents (element_id, instance);
