//! Cluster mode as `/readyz` sees it (docs/cluster.md): the node's heartbeat thread
//! records each beat here, and a node whose last good beat is older than its lease is not
//! ready, since its partitions may be another node's by now.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

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
        health.beat(11);
        let ready = health.check().expect("ready");
        assert!(ready.contains("11 partition(s)"), "{ready}");
        std::thread::sleep(Duration::from_millis(60));
        let stale = health.check().expect_err("stale");
        assert!(stale.contains("longer than its lease"), "{stale}");
    }
}
