-- Baton store schema, version 4: timer start events of deployed processes. One row per
-- process and start event; a new version of the process replaces its rows.

CREATE TABLE start_timers (
    process_id TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    element_id TEXT    NOT NULL,
    due        INTEGER NOT NULL,
    fired      INTEGER NOT NULL,  -- instances started so far
    PRIMARY KEY (process_id, element_id)
);
CREATE INDEX start_timers_due ON start_timers (due);
