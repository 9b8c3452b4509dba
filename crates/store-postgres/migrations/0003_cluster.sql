-- Cluster mode (docs/cluster.md): the nodes (`baton serve` processes) on this database and
-- the partitions of the instances they lease. Only the default schema's tables are used;
-- a tenant's schema has them too, empty, because every schema runs the same migrations.
CREATE TABLE cluster_nodes (
    id           TEXT PRIMARY KEY,
    address      TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    -- The node's lease length: a node whose heartbeat is older than this is dead.
    lease_ms     BIGINT NOT NULL
);

-- One row per partition (instance id mod 32), owned by at most one live node at a time.
-- `epoch` grows by one at every claim, so a commit can tell a lease it held from the next.
CREATE TABLE partitions (
    partition   INTEGER PRIMARY KEY,
    owner       TEXT,
    epoch       BIGINT NOT NULL DEFAULT 0,
    lease_until TIMESTAMPTZ NOT NULL DEFAULT '-infinity'
);
INSERT INTO partitions (partition) SELECT generate_series(0, 31);
