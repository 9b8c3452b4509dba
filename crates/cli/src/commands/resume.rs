//! `baton resume`: pick up every open job in the store and run it, e.g. after a crash.

use anyhow::Result;
use serde_json::json;

use crate::cli::StoreArgs;
use crate::commands::patience;
use crate::{output, workspace};

pub fn run(no_wait: bool, store: &StoreArgs) -> Result<u8> {
    let mut runtime = workspace::open(store)?;
    let found = runtime.recover()?;
    runtime.drive(patience(no_wait))?;
    let left = runtime.queued_jobs();
    if store.json {
        output::json(&json!({"jobs_found": found, "jobs_left": left}))?;
    } else {
        println!(
            "found {found} open jobs; {left} left without a local handler or waiting on a retry"
        );
    }
    Ok(0)
}
