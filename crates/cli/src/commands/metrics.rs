//! `baton metrics`: the Prometheus families an embedded store's projections can tell
//! (instances, incidents, element durations, job queues), in the text format `/metrics`
//! serves, for a node exporter's textfile collector or a look by hand.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;

use crate::cli::StoreArgs;
use crate::workspace;

pub fn run(db: Option<PathBuf>) -> Result<u8> {
    let mut runtime = workspace::open(&StoreArgs { db, json: false })?;
    let text = baton_server::metrics::projected(&mut runtime)?;
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(crate::exit::OK)
}
