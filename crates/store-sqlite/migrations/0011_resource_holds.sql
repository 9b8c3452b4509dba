-- Baton store schema: holds on named resources (YAML phases' `resources:`), shared by
-- every engine on this file. A row is `units` of `resource` taken by `holder` (a job's
-- key) until `expires_at`; a lapsed row counts for nothing and is cleared by the next
-- acquisition, so a crashed process blocks no one for longer than its hold.

CREATE TABLE resource_holds (
    resource TEXT NOT NULL,
    holder TEXT NOT NULL,
    units INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (resource, holder)
) WITHOUT ROWID;

CREATE INDEX resource_holds_by_holder ON resource_holds (holder);
