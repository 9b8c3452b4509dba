-- Baton store schema, version 6: who a user task is for. `assignee` is who claimed it;
-- candidates are JSON arrays of names, matched with json_each when a list is filtered.

ALTER TABLE user_tasks ADD COLUMN assignee TEXT;
ALTER TABLE user_tasks ADD COLUMN candidate_groups TEXT NOT NULL DEFAULT '[]';
ALTER TABLE user_tasks ADD COLUMN candidate_users TEXT NOT NULL DEFAULT '[]';
CREATE INDEX user_tasks_by_assignee ON user_tasks (assignee, state);
