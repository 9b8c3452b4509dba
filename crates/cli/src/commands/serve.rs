//! `baton serve`: the engine behind the REST API, on the embedded store.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use baton_store_sqlite::Durability;

use crate::workspace;

pub fn run(listen: SocketAddr, db: Option<PathBuf>, insecure_dev: bool) -> Result<u8> {
    let path = db.unwrap_or_else(|| PathBuf::from(workspace::DEFAULT_DB));
    let mut runtime = workspace::open_with(&path, Durability::Full)?;
    // Open jobs, timers and timer start events from before a restart.
    runtime.recover()?;
    baton_server::serve(runtime, listen, insecure_dev)
        .with_context(|| format!("serving on {listen}"))?;
    Ok(0)
}
