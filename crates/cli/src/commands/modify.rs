//! `baton modify` and `baton restart`: operator changes to an instance.

use anyhow::Result;
use baton_core::InstanceId;
use baton_runtime::events::Modification;
use serde_json::json;

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::{patience, print_instance, print_remote_instance};
use crate::remote::Client;
use crate::{vars, workspace};

/// What `baton modify` changes, besides variables.
pub struct Change {
    pub activate: Vec<String>,
    pub terminate: Vec<String>,
    pub reason: String,
}

pub fn modify(
    instance: InstanceId,
    change: Change,
    var_args: &VarArgs,
    store: &StoreArgs,
) -> Result<u8> {
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let entry = workspace::audit_entry(&runtime, "instance.modify", Some(change.reason.clone()))
        .with_instance(instance);
    runtime.audited(entry, |rt| {
        rt.modify(
            instance,
            Modification {
                activate: change.activate,
                terminate: change.terminate,
                variables,
                reason: change.reason,
            },
        )
    })?;
    runtime.drive(patience(true))?;
    print_instance(&mut runtime, instance, store.json)
}

pub fn modify_remote(
    client: &Client,
    instance: InstanceId,
    change: Change,
    var_args: &VarArgs,
    store: &StoreArgs,
) -> Result<u8> {
    let body = json!({
        "activate": change.activate,
        "terminate": change.terminate,
        "variables": vars::collect_json(var_args)?,
        "reason": change.reason,
    });
    let modified = client.post(
        &format!("/v1/process-instances/{}/modify", instance.0),
        &body,
    )?;
    print_remote_instance(modified, store.json)
}

pub fn restart(
    instance: InstanceId,
    from: &str,
    var_args: &VarArgs,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let entry = workspace::audit_entry(&runtime, "instance.restart", reason)
        .with_instance(instance)
        .with_detail("from", from);
    let running = runtime.audited(entry, |rt| rt.restart(instance, from, variables))?;
    runtime.drive(patience(true))?;
    print_instance(&mut runtime, running, store.json)
}

pub fn restart_remote(
    client: &Client,
    instance: InstanceId,
    from: &str,
    var_args: &VarArgs,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let body = json!({"from": from, "variables": vars::collect_json(var_args)?, "reason": reason});
    let running = client.post(
        &format!("/v1/process-instances/{}/restart", instance.0),
        &body,
    )?;
    print_remote_instance(running, store.json)
}
