-- Baton store schema, version 7: a deployed file's text is stored once, however many
-- processes or decisions it defines. Before, every definition kept its own copy, so a
-- 4 MiB file with 2,000 processes took 8 GiB.

CREATE TABLE resources (
    digest TEXT PRIMARY KEY,  -- SHA-256 of the text, as definitions.digest
    source TEXT NOT NULL
);

INSERT OR IGNORE INTO resources (digest, source) SELECT digest, source FROM definitions;

ALTER TABLE definitions DROP COLUMN source;
