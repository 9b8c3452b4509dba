//! `baton signal`: broadcast a signal.

use anyhow::Result;
use baton_runtime::Patience;
use serde_json::json;

use crate::cli::{StoreArgs, VarArgs};
use crate::remote::{Client, instance_ids};
use crate::{output, vars, workspace};

pub fn run(
    name: &str,
    var_args: &VarArgs,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let entry =
        workspace::audit_entry(&runtime, "signal.broadcast", reason).with_detail("signal", name);
    let broadcast = runtime.audited(entry, |rt| rt.broadcast_signal(name, variables))?;
    runtime.drive(Patience::DueNow)?;
    let received: Vec<u64> = broadcast.received.iter().map(|i| i.0).collect();
    let started: Vec<u64> = broadcast.started.iter().map(|i| i.0).collect();
    print(name, &received, &started, store.json)
}

pub fn remote(
    client: &Client,
    name: &str,
    var_args: &VarArgs,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let answer = client.post(
        "/v1/signals",
        &json!({"name": name, "variables": vars::collect_json(var_args)?, "reason": reason}),
    )?;
    let received = instance_ids(&answer, "received")?;
    let started = instance_ids(&answer, "started")?;
    print(name, &received, &started, store.json)
}

fn print(name: &str, received: &[u64], started: &[u64], json: bool) -> Result<u8> {
    if json {
        output::json(&json!({
            "name": name,
            "received": received.iter().map(u64::to_string).collect::<Vec<_>>(),
            "started": started.iter().map(u64::to_string).collect::<Vec<_>>(),
        }))?;
    } else {
        println!(
            "signal '{name}': received by {} instance(s), started {}",
            received.len(),
            started.len()
        );
    }
    Ok(0)
}
