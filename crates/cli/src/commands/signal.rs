//! `baton signal`: broadcast a signal.

use anyhow::Result;
use baton_runtime::Patience;
use serde_json::json;

use crate::cli::{StoreArgs, VarArgs};
use crate::{output, vars, workspace};

pub fn run(name: &str, var_args: &VarArgs, store: &StoreArgs) -> Result<u8> {
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let broadcast = runtime.broadcast_signal(name, variables)?;
    runtime.drive(Patience::DueNow)?;
    if store.json {
        output::json(&json!({
            "name": name,
            "received": broadcast.received.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
            "started": broadcast.started.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
        }))?;
    } else {
        println!(
            "signal '{name}': received by {} instance(s), started {}",
            broadcast.received.len(),
            broadcast.started.len()
        );
    }
    Ok(0)
}
