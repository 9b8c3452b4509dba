//! Cluster mode as the server sees it (docs/cluster.md): the node's heartbeat thread
//! records each beat here ([`ClusterNode::beat`]): which node owns which partition, for
//! routing requests about an instance to its owner, and the lease state for `/readyz` (a
//! node whose last good beat is older than its lease is not ready, since its partitions
//! may be another node's by now). Partitions claimed or lost reach the engine through
//! the hook the server installs ([`ClusterNode::on_partitions_moved`]).

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use baton_core::InstanceId;
use baton_store_any::cluster::{Beat, Owner, partition_of};

/// Called with the partitions a beat claimed and lost (in that order).
pub type PartitionsMoved = Box<dyn Fn(&[u32], &[u32]) + Send + Sync>;

/// This process as a node of a cluster: what its heartbeat thread last learnt.
pub struct ClusterNode {
    /// This node's id ([`baton_store_any::cluster::Node::id`]).
    pub node_id: String,
    /// The database the cluster shares (for the nodes' event relay).
    pub database_url: String,
    pub health: LeaseHealth,
    owners: RwLock<BTreeMap<u32, Owner>>,
    moved: Mutex<Option<PartitionsMoved>>,
    /// The HTTP client requests are forwarded to other nodes with (`api::forward`): one
    /// for the process, so connections to each node are reused.
    client: ureq::Agent,
}

/// How long connecting to another node may take before it counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Where a request about an instance is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// This node owns the instance's partition.
    Local,
    /// Another node does: send the request to it.
    Remote { node: String, address: String },
    /// Nobody holds the partition's lease right now (its owner died and the lease has not
    /// run out, or it is being claimed): try again shortly.
    Unowned,
}

impl ClusterNode {
    pub fn new(node_id: String, database_url: String, lease: Duration) -> ClusterNode {
        ClusterNode {
            node_id,
            database_url,
            health: LeaseHealth::new(lease),
            owners: RwLock::new(BTreeMap::new()),
            moved: Mutex::new(None),
            client: ureq::Agent::config_builder()
                // Another node's answer, problems included, goes to the caller as it is.
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_connect(Some(CONNECT_TIMEOUT))
                .build()
                .into(),
        }
    }

    /// The client for requests to other nodes.
    pub fn client(&self) -> &ureq::Agent {
        &self.client
    }

    /// This node's address as the others reach it, as of the last beat (`None` while it
    /// owns no partition).
    pub fn own_address(&self) -> Option<String> {
        let owners = self.owners.read().unwrap_or_else(PoisonError::into_inner);
        owners
            .values()
            .find(|o| o.node == self.node_id)
            .map(|o| o.address.clone())
    }

    /// Records a good beat: the owners it saw, and the partitions it moved (passed on to
    /// the hook, if the server installed one yet).
    pub fn beat(&self, beat: &Beat) {
        self.health.beat(beat.held.len());
        *self.owners.write().unwrap_or_else(PoisonError::into_inner) = beat.owners.clone();
        if !beat.claimed.is_empty() || !beat.lost.is_empty() {
            let moved = self.moved.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(moved) = moved.as_ref() {
                moved(&beat.claimed, &beat.lost);
            }
        }
    }

    /// Installs what runs when a beat claims or loses partitions (the engine's lanes load
    /// or drop their work).
    pub fn on_partitions_moved(&self, moved: PartitionsMoved) {
        *self.moved.lock().unwrap_or_else(PoisonError::into_inner) = Some(moved);
    }

    /// Where requests about `instance` go, as of the last beat.
    pub fn route(&self, instance: InstanceId) -> Route {
        let owners = self.owners.read().unwrap_or_else(PoisonError::into_inner);
        match owners.get(&partition_of(instance.0)) {
            Some(owner) if owner.node == self.node_id => Route::Local,
            Some(owner) => Route::Remote {
                node: owner.node.clone(),
                address: owner.address.clone(),
            },
            None => Route::Unowned,
        }
    }

    /// The other live nodes' addresses (for broadcasts: signals, job activation), as of
    /// the last beat: every node owning at least one partition.
    pub fn peers(&self) -> Vec<(String, String)> {
        let owners = self.owners.read().unwrap_or_else(PoisonError::into_inner);
        let mut peers: Vec<(String, String)> = owners
            .values()
            .filter(|o| o.node != self.node_id)
            .map(|o| (o.node.clone(), o.address.clone()))
            .collect();
        peers.sort();
        peers.dedup();
        peers
    }
}

/// The state of this node's partition leases.
#[derive(Debug)]
pub struct LeaseHealth {
    lease: Duration,
    /// When the last beat succeeded, and how many partitions it left the node holding.
    last: Mutex<Option<(Instant, usize)>>,
}

impl LeaseHealth {
    pub fn new(lease: Duration) -> LeaseHealth {
        LeaseHealth {
            lease,
            last: Mutex::new(None),
        }
    }

    /// A beat succeeded, leaving the node with `partitions` partitions.
    pub fn beat(&self, partitions: usize) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), partitions));
    }

    /// `Ok` with what to tell a probe while the leases are current, else why not.
    pub fn check(&self) -> Result<String, String> {
        let last = *self.last.lock().unwrap_or_else(PoisonError::into_inner);
        match last {
            // Until it holds a partition a node can start no instance (ids come from
            // owned partitions): while a cluster forms, or while a restarted node waits
            // for its predecessor's leases to run out.
            Some((at, 0)) if at.elapsed() < self.lease => Err(
                "this cluster node holds no partition yet (the cluster is forming, or the \
                 leases of a node that stopped have not run out): it cannot start instances"
                    .to_string(),
            ),
            Some((at, partitions)) if at.elapsed() < self.lease => Ok(format!(
                "cluster node, {partitions} partition(s) leased, last heartbeat {} ms ago",
                at.elapsed().as_millis()
            )),
            Some((at, _)) => Err(format!(
                "this cluster node's heartbeat failed for {} ms, longer than its lease ({} ms): \
                 its partitions may be another node's",
                at.elapsed().as_millis(),
                self.lease.as_millis()
            )),
            None => Err("this cluster node has not leased its partitions yet".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_while_the_last_beat_is_younger_than_the_lease() {
        let health = LeaseHealth::new(Duration::from_millis(50));
        assert!(health.check().is_err(), "not before the first beat");
        health.beat(0);
        let empty = health.check().expect_err("no partition yet");
        assert!(empty.contains("holds no partition"), "{empty}");
        health.beat(11);
        let ready = health.check().expect("ready");
        assert!(ready.contains("11 partition(s)"), "{ready}");
        std::thread::sleep(Duration::from_millis(60));
        let stale = health.check().expect_err("stale");
        assert!(stale.contains("longer than its lease"), "{stale}");
    }
}
