//! Cluster membership and partition leases (docs/cluster.md): several `baton serve`
//! processes on one database share its instances without running the same work twice.
//!
//! Instances are hashed into [`PARTITIONS`] partitions (instance id mod [`PARTITIONS`]).
//! Every node registers a row in `cluster_nodes` and, once a second, [`Node::beat`]s: it
//! refreshes its heartbeat, renews the leases of the partitions it holds, hands back
//! those above its fair share (`ceil(PARTITIONS / live nodes)`) and claims unowned or
//! expired ones up to it. Every time is the database's (`now()`), so the nodes' clocks
//! never matter. A claim bumps the partition's `epoch`; a store given the node's
//! [`Fence`] checks in every commit that the node still holds each written instance's
//! partition at the epoch it claimed, so a node that lost a lease never writes again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use postgres::Client;
use serde::Serialize;

use baton_core::InstanceId;
use baton_store::{Error, Result};

use crate::sql::{Sql, backend, get};
use crate::{PgStore, open, quoted};

/// How many partitions the instances are hashed into, and an instance's partition: the
/// `partitions` table is made with [`PARTITIONS`] rows (migration 0003).
pub use baton_store::{PARTITIONS, partition_of};

/// A lease lasts this long unless renewed (`[cluster] lease_ms` of baton.toml); a node
/// whose heartbeat is older is dead.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// How often a node beats: a tenth of the default lease, so a few missed beats (a slow
/// database, a long pause) do not lose the lease.
pub const BEAT_INTERVAL: Duration = Duration::from_secs(1);

/// Dead nodes' rows are removed after this long, so `baton cluster status` does not list
/// every process that ever ran; until then it shows them as dead.
const FORGET_DEAD_AFTER_SECS: i64 = 3600;

/// The cluster's tables: the nodes' own state, which `baton store copy` neither copies
/// nor counts as content of the target.
pub(crate) const TABLES: [&str; 2] = ["cluster_nodes", "partitions"];

/// This process as a node of the cluster on one database: its own connection (the
/// beat must not wait behind the engine's commits) and the leases it holds.
pub struct Node {
    client: Client,
    id: String,
    address: String,
    lease_ms: i64,
    /// Partition → the epoch this node claimed it at, for the leases it holds now.
    held: BTreeMap<u32, i64>,
    /// The same, shared with the stores this node fences ([`Node::fence`]).
    fence: Fence,
}

/// What one beat changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Beat {
    /// The partitions held after the beat, with the epoch of each.
    pub held: BTreeMap<u32, i64>,
    /// Claimed in this beat (their open work must be loaded).
    pub claimed: Vec<u32>,
    /// Held before and not any more: handed back above the fair share, or expired (their
    /// work must be dropped).
    pub lost: Vec<u32>,
    /// Live nodes, this one included.
    pub live_nodes: u32,
    /// Every partition with an unexpired lease (this node's included) and its owner, as
    /// of this beat: where a node sends commands for instances it does not own.
    pub owners: BTreeMap<u32, Owner>,
}

/// The node holding a partition's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The node's id ([`Node::id`]).
    pub node: String,
    /// The address it serves on, as given to `--listen`.
    pub address: String,
}

impl Node {
    /// Registers a new node (a fresh random id) with the address it serves on, in the
    /// database and schema of `store` (migrated, so the tables exist). Claims nothing
    /// yet: the first [`Node::beat`] does.
    pub fn join(store: &PgStore, address: &str, lease: Duration) -> Result<Node> {
        let mut client = open(store.url(), store.schema())?;
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX).max(1);
        let row: postgres::Row = client
            .query_one(
                "INSERT INTO cluster_nodes (id, address, started_at, heartbeat_at, lease_ms)
                 VALUES (gen_random_uuid()::text, $1, now(), now(), $2) RETURNING id",
                &[&address, &lease_ms],
            )
            .map_err(backend)?;
        let id: String = get(&row, 0)?;
        Ok(Node {
            client,
            fence: Fence {
                node: id.clone(),
                partitions_table: format!("{}.partitions", quoted(store.schema())),
                held: Arc::default(),
            },
            id,
            address: address.to_string(),
            lease_ms,
            held: BTreeMap::new(),
        })
    }

    /// What a store checks its commits against for this node: the partitions and epochs
    /// it holds, kept current by every beat ([`PgStore::set_fence`]).
    pub fn fence(&self) -> Fence {
        self.fence.clone()
    }

    /// This node's id (random per process start).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The partitions this node holds, with their epochs, as of the last beat.
    pub fn held(&self) -> &BTreeMap<u32, i64> {
        &self.held
    }

    /// Heartbeat, renew, hand back, claim: one transaction, so that a beat's view of the
    /// live nodes and the claims it makes on it agree.
    pub fn beat(&mut self) -> Result<Beat> {
        let (id, address, lease_ms) = (self.id.clone(), self.address.clone(), self.lease_ms);
        let mut tx = self.client.transaction().map_err(backend)?;
        let beaten = tx
            .execute(
                "UPDATE cluster_nodes SET heartbeat_at = now() WHERE id = $1",
                &[&id],
            )
            .map_err(backend)?;
        if beaten == 0 {
            // Removed as dead (a pause longer than FORGET_DEAD_AFTER_SECS): come back as
            // the same node; its leases are long gone and are claimed afresh below.
            tx.execute(
                "INSERT INTO cluster_nodes (id, address, started_at, heartbeat_at, lease_ms)
                 VALUES ($1, $2, now(), now(), $3)",
                &[&id, &address, &lease_ms],
            )
            .map_err(backend)?;
        }
        // Only unexpired leases are renewed: once a lease ran out another node may have
        // taken the partition, so an expired one is claimed again like any other (with a
        // new epoch) and its work reloaded.
        let mut held: BTreeMap<u32, i64> = BTreeMap::new();
        for row in tx
            .query(
                "UPDATE partitions SET lease_until = now() + $2::bigint * interval '1 millisecond'
                 WHERE owner = $1 AND lease_until > now() RETURNING partition, epoch",
                &[&id, &lease_ms],
            )
            .map_err(backend)?
        {
            held.insert(partition(&row)?, get(&row, 1)?);
        }
        let live: i64 = get(
            &tx.query_one(
                "SELECT count(*) FROM cluster_nodes
                 WHERE heartbeat_at > now() - lease_ms * interval '1 millisecond'",
                &[],
            )
            .map_err(backend)?,
            0,
        )?;
        let live_nodes = u32::try_from(live.max(1)).unwrap_or(u32::MAX);
        let share = PARTITIONS.div_ceil(live_nodes) as usize;
        if held.len() > share {
            // The highest ones go back, so that which ones move is predictable.
            let surplus: Vec<i32> = held
                .keys()
                .rev()
                .take(held.len() - share)
                .map(|&p| p as i32)
                .collect();
            tx.execute(
                "UPDATE partitions SET owner = NULL, lease_until = '-infinity'
                 WHERE owner = $1 AND partition = ANY($2)",
                &[&id, &surplus],
            )
            .map_err(backend)?;
            for p in surplus {
                held.remove(&(p as u32));
            }
        }
        let mut claimed = Vec::new();
        if held.len() < share {
            let wanted = (share - held.len()) as i64;
            // SKIP LOCKED: two nodes claiming at once take different partitions instead
            // of one waiting to find the other's claims.
            for row in tx
                .query(
                    "UPDATE partitions SET owner = $1, epoch = epoch + 1,
                            lease_until = now() + $2::bigint * interval '1 millisecond'
                     WHERE partition IN (
                         SELECT partition FROM partitions
                         WHERE owner IS NULL OR lease_until <= now()
                         ORDER BY partition LIMIT $3::bigint FOR UPDATE SKIP LOCKED)
                     RETURNING partition, epoch",
                    &[&id, &lease_ms, &wanted],
                )
                .map_err(backend)?
            {
                let p = partition(&row)?;
                held.insert(p, get(&row, 1)?);
                claimed.push(p);
            }
            claimed.sort_unstable();
        }
        tx.execute(
            "DELETE FROM cluster_nodes
             WHERE heartbeat_at < now() - $1::bigint * interval '1 second' AND id <> $2",
            &[&FORGET_DEAD_AFTER_SECS, &id],
        )
        .map_err(backend)?;
        let mut owners = BTreeMap::new();
        for row in tx
            .query(
                "SELECT p.partition, n.id, n.address FROM partitions p
                 JOIN cluster_nodes n ON n.id = p.owner WHERE p.lease_until > now()",
                &[],
            )
            .map_err(backend)?
        {
            let owner = Owner {
                node: get(&row, 1)?,
                address: get(&row, 2)?,
            };
            owners.insert(partition(&row)?, owner);
        }
        tx.commit().map_err(backend)?;
        let lost = self
            .held
            .iter()
            .filter(|&(p, epoch)| held.get(p) != Some(epoch))
            .map(|(&p, _)| p)
            .collect();
        self.held = held.clone();
        self.fence.replace(held.clone());
        Ok(Beat {
            held,
            claimed,
            lost,
            live_nodes,
            owners,
        })
    }

    /// Leaves the cluster on shutdown: hands back every partition at once (the others
    /// claim them at their next beat instead of after the lease) and removes the node's
    /// row.
    pub fn leave(mut self) -> Result<()> {
        let id = self.id.clone();
        let mut tx = self.client.transaction().map_err(backend)?;
        tx.execute(
            "UPDATE partitions SET owner = NULL, lease_until = '-infinity' WHERE owner = $1",
            &[&id],
        )
        .map_err(backend)?;
        tx.execute("DELETE FROM cluster_nodes WHERE id = $1", &[&id])
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        self.held.clear();
        self.fence.replace(BTreeMap::new());
        Ok(())
    }
}

/// A node's leases as its stores see them: every commit of a fenced store checks, in its
/// own transaction, that the node still holds each partition it writes at the epoch it
/// claimed it at, with its lease running (docs/cluster.md, "Fencing").
#[derive(Clone, Debug)]
pub struct Fence {
    node: String,
    /// The cluster's `partitions` table, schema-qualified: a tenant's store is in a schema
    /// of its own, the leases in the default one.
    partitions_table: String,
    held: Arc<Mutex<BTreeMap<u32, i64>>>,
}

impl Fence {
    fn replace(&self, held: BTreeMap<u32, i64>) {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = held;
    }

    /// Whether the node holds the partition of `instance` (as of its last beat): where a
    /// node may start an instance or take a command.
    pub fn holds(&self, instance: InstanceId) -> bool {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&partition_of(instance.0))
    }

    /// Checks, as the first statement of a commit's transaction, that every instance of
    /// the batch is in a partition the node owns at the epoch it holds, lease unexpired.
    /// The rows are locked `FOR SHARE`: a takeover (an update of the row) waits for this
    /// transaction, or this check sees the takeover. Any instance failing is
    /// [`Error::Fenced`] (the caller's error rolls the transaction back).
    pub(crate) fn check<C: postgres::GenericClient>(
        &self,
        sql: &mut Sql<'_, C>,
        instances: &BTreeSet<InstanceId>,
    ) -> Result<()> {
        let held = self
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let partitions: BTreeSet<u32> = instances.iter().map(|i| partition_of(i.0)).collect();
        let (mut numbers, mut epochs) = (Vec::new(), Vec::new());
        for p in &partitions {
            if let Some(epoch) = held.get(p) {
                numbers.push(*p as i32);
                epochs.push(*epoch);
            }
        }
        let mut confirmed = BTreeSet::new();
        if !numbers.is_empty() {
            let rows = sql.query(
                &format!(
                    "SELECT p.partition FROM {} p
                     JOIN unnest($1::int[], $2::bigint[]) AS h(partition, epoch)
                       ON p.partition = h.partition AND p.epoch = h.epoch
                     WHERE p.owner = $3 AND p.lease_until > now()
                     FOR SHARE OF p",
                    self.partitions_table
                ),
                &[&numbers, &epochs, &self.node],
            )?;
            for row in &rows {
                confirmed.insert(partition(row)?);
            }
        }
        let fenced: Vec<InstanceId> = instances
            .iter()
            .filter(|i| !confirmed.contains(&partition_of(i.0)))
            .copied()
            .collect();
        if fenced.is_empty() {
            Ok(())
        } else {
            Err(Error::Fenced { instances: fenced })
        }
    }
}

fn partition(row: &postgres::Row) -> Result<u32> {
    let p: i32 = get(row, 0)?;
    u32::try_from(p).map_err(|_| Error::Corrupt(format!("a partition numbered {p} in partitions")))
}

/// One node as `baton cluster status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    pub id: String,
    /// What the node listens on, as its `--listen` gave it.
    pub address: String,
    /// `live`, or `dead` once its heartbeat is older than its lease.
    pub state: NodeState,
    /// Milliseconds since the Unix epoch, by the database's clock.
    pub started_at: i64,
    pub heartbeat_at: i64,
    /// How long ago the last heartbeat was, by the database's clock.
    pub heartbeat_age_ms: i64,
    /// The partitions whose unexpired lease it holds.
    pub partitions: u32,
    /// The active instances of those partitions, in every tenant.
    pub instances: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    Live,
    Dead,
}

/// The nodes registered on the database and schema of `store`, oldest first.
pub fn status(store: &PgStore) -> Result<Vec<NodeStatus>> {
    let mut client = open(store.url(), store.schema())?;
    let rows = client
        .query(
            "SELECT n.id, n.address,
                    (extract(epoch FROM n.started_at) * 1000)::bigint,
                    (extract(epoch FROM n.heartbeat_at) * 1000)::bigint,
                    (extract(epoch FROM now() - n.heartbeat_at) * 1000)::bigint,
                    n.heartbeat_at > now() - n.lease_ms * interval '1 millisecond',
                    (SELECT count(*) FROM partitions p WHERE p.owner = n.id AND p.lease_until > now())
             FROM cluster_nodes n ORDER BY n.started_at, n.id",
            &[],
        )
        .map_err(backend)?;
    let instances = active_instances_by_owner(&mut client, store)?;
    rows.iter()
        .map(|row| {
            let live: bool = get(row, 5)?;
            let partitions: i64 = get(row, 6)?;
            let id: String = get(row, 0)?;
            Ok(NodeStatus {
                instances: instances.get(&id).copied().unwrap_or(0),
                id,
                address: get(row, 1)?,
                state: if live {
                    NodeState::Live
                } else {
                    NodeState::Dead
                },
                started_at: get(row, 2)?,
                heartbeat_at: get(row, 3)?,
                heartbeat_age_ms: get(row, 4)?,
                partitions: u32::try_from(partitions).unwrap_or(0),
            })
        })
        .collect()
}

/// Node id → the active instances of the partitions it holds an unexpired lease on:
/// those of the store's schema and, for the default schema, of every tenant's (one lease
/// covers an instance id in every tenant).
fn active_instances_by_owner(
    client: &mut Client,
    store: &PgStore,
) -> Result<BTreeMap<String, u64>> {
    let mut schemas = vec![store.schema().to_string()];
    if store.schema() == crate::DEFAULT_SCHEMA {
        schemas.extend(
            PgStore::tenants(store.url())?
                .iter()
                .map(|tenant| crate::tenant_schema(tenant)),
        );
    }
    let mut counts = BTreeMap::new();
    for schema in schemas {
        let rows = client
            .query(
                &format!(
                    "SELECT p.owner, count(*) FROM {}.instances i
                     JOIN partitions p ON p.partition = i.instance % $1
                     WHERE i.state = 'active' AND p.owner IS NOT NULL AND p.lease_until > now()
                     GROUP BY p.owner",
                    quoted(&schema)
                ),
                &[&i64::from(PARTITIONS)],
            )
            .map_err(backend)?;
        for row in &rows {
            let owner: String = get(row, 0)?;
            let count: i64 = get(row, 1)?;
            *counts.entry(owner).or_default() += u64::try_from(count).unwrap_or(0);
        }
    }
    Ok(counts)
}
