-- Baton store schema, version 8: leases survive restarts, and trace export resumes.
--
-- A remote worker's activation is journaled (job_activated@1); the job's row keeps who holds
-- it and until when, so that after a restart the job goes to nobody else before then.
ALTER TABLE jobs ADD COLUMN worker TEXT;
ALTER TABLE jobs ADD COLUMN lease_deadline INTEGER;

-- The instances whose committed events have spans not yet exported (OpenTelemetry, written
-- only while `baton serve` exports traces): from_seq is the first journal position not
-- exported, to_seq the last committed. The commit that appends events raises to_seq in the
-- same transaction; the exporter raises from_seq once it has sent them, and deletes the row
-- when it has caught up. After a restart, the rows say what is left to send.
CREATE TABLE trace_outbox (
    instance INTEGER PRIMARY KEY,
    from_seq INTEGER NOT NULL,
    to_seq   INTEGER NOT NULL
);
