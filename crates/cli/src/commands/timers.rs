//! `baton timers`: list armed timers and timer start events, and with `--fire-due` fire
//! the ones that are due (driving the instances on until they wait again), for use from
//! cron or scripts.

use anyhow::Result;
use baton_core::Timestamp;
use baton_feel::temporal::DateTime;
use baton_runtime::Patience;
use baton_store::EventStore as _;
use serde_json::json;

use crate::cli::StoreArgs;
use crate::{output, workspace};

pub fn run(fire_due: bool, store: &StoreArgs) -> Result<u8> {
    let mut runtime = workspace::open(store)?;
    let mut fired = 0;
    if fire_due {
        runtime.recover()?;
        let now = runtime.now();
        fired = runtime.fire_due_timers(now)?;
        runtime.drive(Patience::DueNow)?;
    }
    let timers = runtime.store().timers(None)?;
    let start_timers = runtime.store().start_timers()?;
    if store.json {
        output::json(&json!({
            "fired": fired,
            "timers": timers.iter().map(|t| json!({
                "instance": t.instance.to_string(),
                "key": t.key.0,
                "element": t.element_id,
                "due_ms": t.due.0,
            })).collect::<Vec<_>>(),
            "start_timers": start_timers.iter().map(|t| json!({
                "process": t.process_id,
                "version": t.version,
                "element": t.element_id,
                "due_ms": t.due.0,
                "fired": t.fired,
            })).collect::<Vec<_>>(),
        }))?;
    } else {
        if fire_due {
            println!("fired {fired} due timer(s)");
        }
        if timers.is_empty() && start_timers.is_empty() {
            println!("no timers armed");
        }
        for t in &timers {
            println!(
                "{}-{}  {}  due {}",
                t.instance,
                t.key.0,
                t.element_id,
                show(t.due)
            );
        }
        for t in &start_timers {
            println!(
                "{} v{}  {}  starts an instance {} (started {} so far)",
                t.process_id,
                t.version,
                t.element_id,
                show(t.due),
                t.fired
            );
        }
    }
    Ok(0)
}

/// A due time as ISO 8601 UTC.
fn show(due: Timestamp) -> String {
    DateTime::from_unix_millis(due.0).map_or_else(|| format!("at {} ms", due.0), |t| t.to_string())
}
