//! `baton prune`: remove instances that ended long enough ago, optionally archiving them.

use std::path::PathBuf;

use anyhow::Result;
use baton_core::Timestamp;
use baton_runtime::retention::{PruneOptions, parse_age};
use serde_json::json;

use crate::cli::StoreArgs;
use crate::exit::InputError;
use crate::{output, workspace};

pub fn run(
    ended_before: &str,
    archive: Option<PathBuf>,
    dry_run: bool,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let age = parse_age(ended_before).map_err(|e| InputError(format!("--ended-before: {e}")))?;
    let mut runtime = workspace::open(store)?;
    let now = runtime.now();
    let cutoff = Timestamp(now.0.saturating_sub(i64::try_from(age).unwrap_or(i64::MAX)));
    let audit = workspace::audit_entry(&runtime, "retention.prune", reason)
        .with_detail("ended_before", ended_before);
    let pruned = runtime.prune(&PruneOptions {
        dry_run,
        archive: archive.clone(),
        audit: Some(audit),
        ..PruneOptions::new(cutoff)
    })?;
    let count = pruned.instances.len();
    if store.json {
        output::json(&json!({"instances": count, "dry_run": dry_run}))?;
    } else if dry_run {
        println!("{count} ended instance(s) would be removed");
    } else {
        let archived = archive
            .map(|path| format!(", archived to {}", path.display()))
            .unwrap_or_default();
        println!("removed {count} ended instance(s){archived}");
    }
    Ok(0)
}
