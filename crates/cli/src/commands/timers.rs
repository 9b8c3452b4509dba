//! `baton timers`: list armed timers, and with `--fire-due` fire the ones that are due
//! (driving the instances on until they wait again), for use from cron or scripts.

use anyhow::Result;
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
    if store.json {
        output::json(&json!({
            "fired": fired,
            "timers": timers.iter().map(|t| json!({
                "instance": t.instance.to_string(),
                "key": t.key.0,
                "element": t.element_id,
                "due_ms": t.due.0,
            })).collect::<Vec<_>>(),
        }))?;
    } else {
        if fire_due {
            println!("fired {fired} due timer(s)");
        }
        if timers.is_empty() {
            println!("no timers armed");
        }
        for t in &timers {
            println!(
                "{}-{}  {}  due at {} ms",
                t.instance, t.key.0, t.element_id, t.due.0
            );
        }
    }
    Ok(0)
}
