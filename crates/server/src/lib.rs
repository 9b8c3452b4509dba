//! `baton serve`: the engine behind an HTTP API.
//!
//! One engine thread owns the runtime and its store ([`engine`]); the API handlers
//! ([`api`]) run on a Tokio runtime and send it work. Callers are authenticated off that
//! thread ([`auth`], with failed attempts limited per address by [`throttle`]), and
//! requests are bounded before the router sees them ([`limits`]). Errors are problem
//! documents ([`problem`]).

pub mod api;
pub mod auth;
pub mod cluster;
pub mod engine;
pub mod limits;
pub mod live;
pub mod logging;
pub mod metrics;
pub mod problem;
pub mod relay;
pub mod throttle;
pub mod throw_relay;
pub mod traces;

use std::net::SocketAddr;
use std::sync::Arc;

use baton_auth::TenantId;
use baton_store_any::Location;
use tokio::net::TcpListener;

use crate::auth::{Auth, Tokens};
use crate::engine::{DEFAULT_TENANT, Engine, Tenants};
use crate::limits::Peer;
use crate::live::LiveEvents;
use crate::traces::{TraceSettings, Traces};

/// Where a tenant's store lives: the default tenant's is `db` itself (where embedded
/// commands and the API tokens live too); every other tenant's is `<db>.tenants/<tenant>.db`
/// beside a SQLite file, or the schema `baton_tenant_<tenant>` of a PostgreSQL database
/// ([`Location::tenant`]). A [`TenantId`] is lowercase letters, digits, `_` and `-`, so it
/// is a safe file name, and two ids name the same file only if they are equal, on
/// case-insensitive file systems too.
pub fn tenant_db(db: &Location, tenant: &TenantId) -> Location {
    if tenant.as_str() == DEFAULT_TENANT {
        return db.clone();
    }
    db.tenant(tenant.as_str())
}

/// The tenants that have a store already (beside the SQLite file `db`, or as schemas of
/// its PostgreSQL database), so the server can run their timers and jobs from the start.
/// A store whose name is no tenant id (say `Acme.db`, from before ids had to be
/// lowercase) is left alone, with a warning: no token can reach it.
pub fn existing_tenants(db: &Location) -> Vec<TenantId> {
    let names = db.existing_tenants().unwrap_or_else(|error| {
        tracing::warn!(store = %db, %error, "cannot list the tenants' stores");
        Vec::new()
    });
    let mut tenants: Vec<TenantId> = names
        .into_iter()
        .filter_map(|name| {
            name.parse()
                .map_err(|error| {
                    tracing::warn!(
                        store = %db.tenant(&name),
                        %error,
                        "ignoring a store whose name is no tenant id"
                    );
                })
                .ok()
        })
        .collect();
    tenants.sort();
    tenants
}

/// Serves the API on `listen` until SIGINT or SIGTERM, then stops accepting, lets running
/// requests finish, answers waiting workers, commits and returns.
///
/// Tokens are read from `tokens` (the default tenant's store). With `insecure_dev`,
/// requests need no token (every caller without one is an admin of the default tenant):
/// for a developer's own machine only.
///
/// With `traces`, spans of committed work are exported over OTLP ([`traces`]); what is
/// left is sent on shutdown, after the last commit.
pub fn serve(
    tenants: Tenants,
    tokens: Tokens,
    listen: SocketAddr,
    insecure_dev: bool,
    traces: Option<TraceSettings>,
    cluster: Option<Arc<cluster::ClusterNode>>,
) -> std::io::Result<()> {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let live = LiveEvents::default();
    // Before the engine starts, so that its first commits reach the other nodes too.
    let _relay = cluster
        .as_ref()
        .map(|c| relay::Relay::start(&live, &c.database_url, &c.node_id, relay::EVENTS_CHANNEL))
        .transpose()?;
    let traces = match traces {
        Some(settings) => {
            let url = settings.traces_url.clone();
            let started = Traces::start(settings).map_err(std::io::Error::other)?;
            tracing::info!(url, "baton serve: exporting traces");
            Some(Arc::new(started))
        }
        None => None,
    };
    let (engine, engine_thread) = Engine::start_traced(tenants, live.clone(), traces.clone())?;
    let _throw_relay = cluster
        .as_ref()
        .map(|c| {
            throw_relay::ThrowRelay::start(
                &engine,
                &c.database_url,
                &c.node_id,
                throw_relay::THROWN_CHANNEL,
            )
        })
        .transpose()?;
    if let Some(cluster) = &cluster {
        // Beats from now on move work between lanes; what moved before (the first beat,
        // in joining) was recovered by the lanes as they opened.
        let engine = engine.clone();
        cluster.on_partitions_moved(Box::new(move |claimed: &[u32], lost: &[u32]| {
            engine.partitions_moved(claimed.to_vec(), lost.to_vec());
        }));
    }
    if insecure_dev {
        tracing::warn!(
            "--insecure-dev: every request is served as an admin without a token; never expose \
             this server to anyone else"
        );
    }
    let app = baton_ui::router_carrying(
        api::router(api::AppState {
            engine: engine.clone(),
            live: live.clone(),
            auth: Arc::new(Auth::new(tokens, insecure_dev)),
            cluster,
        }),
        carry_client,
    );
    let served = tokio.block_on(async move {
        let listener = TcpListener::bind(listen).await?;
        tracing::info!(
            address = %listener.local_addr()?,
            "baton serve: listening on http://{}",
            listener.local_addr()?
        );
        let app = app.into_make_service_with_connect_info::<Peer>();
        axum::serve(limits::Listener(listener), app)
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                // Workers waiting for jobs are answered and event streams end, so their
                // requests end too.
                engine.drain();
                live.close();
            })
            .await
    });
    // Waiting workers get their (empty) answers now; what is staged is committed.
    engine_thread.stop();
    // Every commit is in: the spans they ended go out now.
    if let Some(traces) = traces {
        traces.shutdown();
    }
    // Long polls still open are dropped with the runtime rather than waited for.
    tokio.shutdown_timeout(std::time::Duration::from_secs(2));
    served
}

/// What the web UI's in-process API requests take from the browser's: its address.
fn carry_client(from: &axum::http::Extensions, to: &mut axum::http::Extensions) {
    if let Some(client) = from.get::<axum::extract::ConnectInfo<Peer>>() {
        to.insert(*client);
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("baton serve: shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stores_named_by_a_tenant_id_are_tenants() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("s.db");
        let tenants_dir = dir.path().join("s.db.tenants");
        std::fs::create_dir(&tenants_dir).expect("tenants dir");
        for name in ["acme.db", "Acme.db", "b-2.db", "notes.txt", "a b.db"] {
            std::fs::write(tenants_dir.join(name), "").expect("file");
        }
        let location = Location::Sqlite(db.clone());
        let found: Vec<String> = existing_tenants(&location)
            .iter()
            .map(|t| tenant_db(&location, t).to_string())
            .collect();
        let expected: Vec<String> = ["acme", "b-2"]
            .iter()
            .map(|t| format!("{}.tenants/{t}.db", db.display()))
            .collect();
        assert_eq!(found, expected);
        assert_eq!(tenant_db(&location, &TenantId::default_tenant()), location);
    }
}
