//! `baton serve`: the engine behind the REST API, on the store `--db` names, one store
//! per tenant (beside a SQLite file, or a schema each in a PostgreSQL database).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context as _, Result};
use baton_auth::TenantId;
use baton_runtime::{Runtime, SystemClock};
use baton_server::auth::Tokens;
use baton_server::cluster::ClusterNode;
use baton_server::engine::Tenants;
use baton_server::traces::TraceSettings;
use baton_server::{existing_tenants, tenant_db};
use baton_store_any::cluster::{self, Fence, Node};
use baton_store_any::{Location, PgStore};

use crate::workspace::{self, EmbeddedRuntime};

pub fn run(listen: SocketAddr, db: Option<PathBuf>, insecure_dev: bool) -> Result<u8> {
    let db = workspace::db_location(db.as_deref());
    // Traces: `[telemetry]` of baton.toml, overridden by the standard OTEL_* variables.
    let config = workspace::config()?;
    let traces = TraceSettings::resolve(&config.telemetry, |name| std::env::var(name).ok())
        .map_err(crate::exit::InputError)?;
    // On PostgreSQL every `baton serve` is a node of the database's cluster. It joins
    // (and claims its share of the partitions) before any tenant opens, so each tenant's
    // runtime recovers the work of the partitions the node holds, and no other.
    let membership = match &db {
        Location::Postgres { url, .. } => {
            let lease = config
                .cluster
                .lease_ms
                .map_or(cluster::DEFAULT_LEASE, Duration::from_millis);
            Some(Membership::join(url, &listen.to_string(), lease)?)
        }
        Location::Sqlite(_) => None,
    };
    let fence = membership.as_ref().map(|m| m.fence.clone());
    let open = {
        let db = db.clone();
        let fence = fence.clone();
        move |tenant: &str| {
            // Principals carry valid ids only; parsing again keeps a path or schema from
            // ever being made of anything else.
            let tenant: TenantId = tenant.parse().map_err(|e| format!("{e}"))?;
            open_tenant(&tenant_db(&db, &tenant), fence.as_ref()).map_err(|e| format!("{e:#}"))
        }
    };
    let mut tenants = Tenants::new(Box::new(open));
    // Open jobs, timers and timer start events from before a restart, in every tenant.
    let opened = std::iter::once(TenantId::default_tenant())
        .chain(existing_tenants(&db))
        .try_for_each(|tenant| {
            let runtime = open_tenant(&tenant_db(&db, &tenant), fence.as_ref())
                .with_context(|| format!("opening the store of tenant '{tenant}'"))?;
            tenants.insert(tenant.as_str(), runtime);
            anyhow::Ok(())
        });
    if let Err(error) = opened {
        if let Some(membership) = membership {
            membership.leave();
        }
        return Err(error);
    }
    let cluster = membership.as_ref().map(|m| Arc::clone(&m.cluster));
    let served = baton_server::serve(
        tenants,
        Tokens::at(db),
        listen,
        insecure_dev,
        traces,
        cluster,
    )
    .with_context(|| format!("serving on {listen}"));
    if let Some(membership) = membership {
        membership.leave();
    }
    served?;
    Ok(0)
}

/// This process as a node of the cluster on a PostgreSQL database (docs/cluster.md): it
/// heartbeats and renews, claims and hands back partition leases every
/// [`cluster::BEAT_INTERVAL`] on a thread of its own, so that a busy engine never delays
/// a heartbeat past the lease.
struct Membership {
    /// Dropping it (or sending on it) stops the beating.
    stop: mpsc::Sender<()>,
    beating: JoinHandle<Node>,
    /// Each good beat: the lease state for `/readyz`, the partitions' owners for routing.
    cluster: Arc<ClusterNode>,
    /// The leases as every tenant's store checks its commits against them, and as each
    /// runtime decides what it owns.
    fence: Fence,
}

impl Membership {
    /// Registers the node and beats once before returning, so that it holds its share of
    /// the partitions by the time it answers `/readyz`.
    fn join(url: &str, address: &str, lease: Duration) -> Result<Membership> {
        let store = PgStore::connect(url).context("opening the cluster's tables")?;
        let mut node = Node::join(&store, address, lease).context("joining the cluster")?;
        drop(store);
        let first = node.beat().context("claiming partitions")?;
        let fence = node.fence();
        let cluster = Arc::new(ClusterNode::new(
            node.id().to_string(),
            url.to_string(),
            lease,
        ));
        cluster.beat(&first);
        let beats = Arc::clone(&cluster);
        tracing::info!(
            node = node.id(),
            live_nodes = first.live_nodes,
            partitions = first.held.len(),
            "baton serve: joined the cluster"
        );
        let (stop, stopped) = mpsc::channel::<()>();
        let beating = std::thread::Builder::new()
            .name("baton-cluster-beat".into())
            .spawn(move || {
                // A timeout is the next beat; a message or a dropped sender is the end.
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(cluster::BEAT_INTERVAL)
                {
                    let beat = node.beat();
                    if let Ok(beat) = &beat {
                        beats.beat(beat);
                    }
                    match beat {
                        Ok(beat) if !beat.claimed.is_empty() || !beat.lost.is_empty() => {
                            tracing::info!(
                                node = node.id(),
                                live_nodes = beat.live_nodes,
                                claimed = ?beat.claimed,
                                lost = ?beat.lost,
                                partitions = beat.held.len(),
                                "cluster: partitions moved"
                            );
                        }
                        Ok(_) => {}
                        // Tried again at the next beat; the lease outlasts several misses.
                        Err(error) => {
                            tracing::warn!(node = node.id(), %error, "cluster: heartbeat failed")
                        }
                    }
                }
                node
            })
            .context("starting the cluster heartbeat")?;
        Ok(Membership {
            stop,
            beating,
            cluster,
            fence,
        })
    }

    /// Stops beating and hands the partitions back at once, so the other nodes take them
    /// over at their next beat rather than after the lease; a failure only delays that.
    fn leave(self) {
        let _ = self.stop.send(());
        match self.beating.join() {
            Ok(node) => {
                if let Err(error) = node.leave() {
                    tracing::warn!(%error, "cluster: leaving failed; the lease runs out instead");
                }
            }
            Err(_) => tracing::warn!("cluster: the heartbeat thread panicked"),
        }
    }
}

/// A tenant's runtime, recovered. In cluster mode (`fence`), its store commits only
/// instances of partitions the node holds, and it runs only those.
fn open_tenant(db: &Location, fence: Option<&Fence>) -> Result<EmbeddedRuntime> {
    if let Some(dir) = db
        .file()
        .and_then(|path| path.parent())
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the directory {}", dir.display()))?;
    }
    let mut store = workspace::open_store(db)?;
    store.set_fence(fence.cloned());
    let mut runtime = Runtime::new(store, workspace::config()?, Arc::new(SystemClock));
    if let Some(fence) = fence {
        let fence = fence.clone();
        runtime.set_ownership(Some(Arc::new(move |instance: baton_core::InstanceId| {
            fence.holds(instance)
        })));
    }
    runtime.recover()?;
    Ok(runtime)
}
