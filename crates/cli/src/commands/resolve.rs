//! `baton resolve`: resolve an incident (a failed job gets new retries), then drive on.

use anyhow::Result;

use crate::cli::StoreArgs;
use crate::commands::{parse_key, patience, print_instance, print_server_instance};
use crate::remote::Client;
use crate::workspace;

pub fn run(
    incident: &str,
    retries: Option<u32>,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let key = parse_key(incident)?;
    let mut runtime = workspace::open(store)?;
    let entry = workspace::audit_entry(&runtime, "incident.resolve", reason)
        .with_instance(key.instance)
        .with_detail("incident", key);
    runtime.audited(entry, |rt| rt.resolve_incident(key, retries))?;
    runtime.drive(patience(false))?;
    print_instance(&mut runtime, key.instance, store.json)
}

pub fn remote(
    client: &Client,
    incident: &str,
    retries: Option<u32>,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let key = parse_key(incident)?;
    let body = serde_json::json!({ "retries": retries, "reason": reason });
    client.post(&format!("/v1/incidents/{key}/resolve"), &body)?;
    print_server_instance(client, key.instance, store.json)
}
