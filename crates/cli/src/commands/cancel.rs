//! `baton cancel`: terminate an instance and everything running in it.

use anyhow::Result;
use baton_core::{Command, InstanceId};

use crate::cli::StoreArgs;
use crate::commands::{print_instance, print_remote_instance};
use crate::remote::Client;
use crate::workspace;

pub fn run(instance: InstanceId, reason: Option<String>, store: &StoreArgs) -> Result<u8> {
    let mut runtime = workspace::open(store)?;
    let entry = workspace::audit_entry(&runtime, "instance.cancel", reason).with_instance(instance);
    runtime.audited(entry, |rt| rt.execute(instance, Command::CancelInstance))?;
    runtime.flush()?;
    print_instance(&mut runtime, instance, store.json)
}

pub fn remote(
    client: &Client,
    instance: InstanceId,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let path = format!("/v1/process-instances/{}/cancel", instance.0);
    let body = match reason {
        Some(reason) => serde_json::json!({ "reason": reason }),
        None => serde_json::json!({}),
    };
    let cancelled = client.post(&path, &body)?;
    print_remote_instance(cancelled, store.json)
}
